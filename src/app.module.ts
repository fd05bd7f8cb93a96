import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { ConnectionOptions } from 'bullmq';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { LoginLimiter } from './auth/login-limiter';
import { AdminModule } from './admin/bull-board.module';
import { UsersController } from './accounts/users.controller';
import { AccountRemoval } from './accounts/account-removal';
import { SessionRecords } from './auth/session-records';
import { UserRecords } from './users/user-records';
import { CookieRecords } from './cookies/cookie-records';
import { SubscriptionRecords } from './subscriptions/subscription-records';
import { APP_CONFIG, AppConfig } from './config/config';
import { JobEventsController } from './events/job-events.controller';
import { JobEventsRelay } from './events/job-events.relay';
import { JobsGateway } from './events/jobs.gateway';
import { ShutdownNotice } from './events/shutdown-notice.gateway';
import { RetentionSweeper } from './retention/retention.sweeper';
import { HealthController } from './health/health.controller';
import { ErrorFilter } from './http/error.filter';
import { CookiesController } from './cookies/cookies.controller';
import { CookiesService } from './cookies/cookies.service';
import { JobRecords } from './jobs/job-records';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { MediaController } from './media/media.controller';
import { JobFileController } from './media/job-file.controller';
import { WebhookDeliveryProcessor } from './webhooks/webhook-delivery.processor';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookRecords } from './webhooks/webhook-records';
import { WebhooksController } from './webhooks/webhooks.controller';
import { CancelRegistry } from './pipeline/cancel-registry';
import { DiskSpace } from './disk/disk-space';
import { ToolsGuard } from './process/tools-guard';
import { DownloadProcessor } from './pipeline/download.processor';
import { FfmpegRunner } from './pipeline/ffmpeg/ffmpeg.runner';
import { ALL_QUEUE_NAMES, BULL_PREFIX } from './queue-names';
import { PipelineQueues } from './pipeline/pipeline-queues';
import { WaitingJobs } from './pipeline/waiting-jobs';
import { SubscriptionCheckProcessor } from './subscriptions/subscription-check.processor';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsService } from './subscriptions/subscriptions.service';
import { TranscodeProcessor } from './pipeline/transcode.processor';
import { YtdlpClient } from './pipeline/ytdlp/ytdlp.client';
import { RedisModule, recordsProvider, type RedisService } from './redis/redis.module';
import { redisOptionsFor } from './redis/redis-options';
import { YtdlpAdminController } from './tools/ytdlp-admin.controller';
import { YtdlpBinary } from './tools/ytdlp-binary';
import { YtdlpManager } from './tools/ytdlp-manager';
import { Metrics } from './metrics/metrics.service';
import { QueueErrors } from './ops/queue-errors';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsExporter } from './metrics/metrics.exporter';
import { RunningStages } from './pipeline/running-stages';
import { WorkerHeartbeat } from './workers/worker-heartbeat';
import { WorkersController } from './workers/workers.controller';
import { DocsController } from './docs/docs.controller';
import { Outbox } from './jobs/outbox';
import { CollectionRollUp } from './jobs/collection-roll-up';
import { Reconciler } from './reconcile/reconciler';
import { PrivateFoldersSweeper } from './cookies/private-folders.sweeper';

/** Each aggregate's one records class: the only code that reads and writes its Redis keys. */
const RECORDS: (new (redis: RedisService) => object)[] = [UserRecords, SessionRecords, CookieRecords, SubscriptionRecords, WebhookRecords, JobRecords];

/** HTTP, socket.io and SSE: what `ROLE=api` runs. */
@Module({
  imports: [TerminusModule, AuthModule, AdminModule],
  controllers: [AuthController, UsersController, JobsController, JobEventsController, MediaController, JobFileController, HealthController, CookiesController, YtdlpAdminController, MetricsController, WorkersController, WebhooksController, SubscriptionsController, DocsController],
  providers: [
    LoginLimiter,
    JobEventsRelay,
    JobsGateway,
    ShutdownNotice,
    RetentionSweeper,
    MetricsExporter,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
  ],
})
export class ApiModule {}

/** The BullMQ processors that run yt-dlp and ffmpeg: what `ROLE=worker` runs. */
@Module({
  providers: [CancelRegistry, FfmpegRunner, YtdlpClient, DownloadProcessor, TranscodeProcessor, YtdlpManager, RunningStages, WorkerHeartbeat, WebhookDeliveryProcessor, SubscriptionCheckProcessor],
})
export class WorkerModule {}

@Global()
@Module({})
export class AppModule {
  static forRole(config: AppConfig, redisUrl: string): DynamicModule {
    const redis = RedisModule.forUrl(redisUrl);
    return {
      module: AppModule,
      imports: [
        redis,
        BullModule.forRoot({ connection: redisOptionsFor(redisUrl) as ConnectionOptions, prefix: BULL_PREFIX }),
        BullModule.registerQueue(...ALL_QUEUE_NAMES.map((name) => ({ name }))),
        ...(config.runsApi ? [ApiModule] : []),
        ...(config.runsWorker ? [WorkerModule] : []),
      ],
      // WaitingJobs here: whichever process writes a job's end starts the owner's waiting children.
      // YtdlpBinary here: one per process, so health and jobs see the same leases.
      // CookiesService here: the api serves /api/me/cookies, workers hand the file to yt-dlp.
      // Metrics here: workers and the api both add to the cluster's metrics (stage durations, webhook deliveries).
      // ToolsGuard here: every tool any role starts dies with its process (and a dead one's are swept at start).
      // WebhookDispatcher here: a job ends in a worker (completed, failed) or in the api (cancelled).
      // Outbox here: every process reads the follow-ups of job ends (src/jobs/follow-ups.ts).
      // Reconciler here: any process may repair what a dead one left (one run at a time).
      // JobsService here: the api's routes, and the reconciler's removal of a removed account's jobs.
      // PrivateFoldersSweeper first, here: the startup sweep ends before BullMQ's workers take a job.
      providers: [{ provide: APP_CONFIG, useValue: config }, ...RECORDS.map(recordsProvider), SubscriptionsService, AccountRemoval, PrivateFoldersSweeper, Outbox, CollectionRollUp, Reconciler, JobsService, WebhookDispatcher, PipelineQueues, WaitingJobs, CookiesService, YtdlpBinary, Metrics, ToolsGuard, DiskSpace, QueueErrors],
      exports: [APP_CONFIG, ...RECORDS, SubscriptionsService, AccountRemoval, Outbox, JobsService, BullModule, PipelineQueues, WaitingJobs, CookiesService, YtdlpBinary, Metrics, ToolsGuard, DiskSpace],
    };
  }
}
