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
import { UsersController } from './users/users.controller';
import { APP_CONFIG, AppConfig } from './config/config';
import { JobEventsController } from './events/job-events.controller';
import { JobEventsRelay } from './events/job-events.relay';
import { JobsGateway } from './events/jobs.gateway';
import { HealthController } from './health/health.controller';
import { ErrorFilter } from './http/error.filter';
import { CookiesController } from './cookies/cookies.controller';
import { CookiesService } from './cookies/cookies.service';
import { JobStore } from './jobs/job.store';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { MediaController } from './media/media.controller';
import { CancelRegistry } from './pipeline/cancel-registry';
import { DownloadProcessor } from './pipeline/download.processor';
import { FfmpegRunner } from './pipeline/ffmpeg/ffmpeg.runner';
import { QUEUE_NAMES } from './pipeline/pipeline';
import { PipelineQueues } from './pipeline/pipeline-queues';
import { TranscodeProcessor } from './pipeline/transcode.processor';
import { YtdlpClient } from './pipeline/ytdlp/ytdlp.client';
import { RedisModule } from './redis/redis.module';
import { redisOptionsFor } from './redis/redis-options';
import { YtdlpAdminController } from './tools/ytdlp-admin.controller';
import { YtdlpBinary } from './tools/ytdlp-binary';
import { YtdlpManager } from './tools/ytdlp-manager';

/** HTTP, socket.io and SSE: what `ROLE=api` runs. */
@Module({
  imports: [TerminusModule, AuthModule, AdminModule],
  controllers: [AuthController, UsersController, JobsController, JobEventsController, MediaController, HealthController, CookiesController, YtdlpAdminController],
  providers: [
    JobsService,
    LoginLimiter,
    JobEventsRelay,
    JobsGateway,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
  ],
})
export class ApiModule {}

/** The BullMQ processors that run yt-dlp and ffmpeg: what `ROLE=worker` runs. */
@Module({
  providers: [CancelRegistry, FfmpegRunner, YtdlpClient, DownloadProcessor, TranscodeProcessor, YtdlpManager],
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
        BullModule.forRoot({ connection: redisOptionsFor(redisUrl) as ConnectionOptions, prefix: 'vp:bull' }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
        ...(config.runsApi ? [ApiModule] : []),
        ...(config.runsWorker ? [WorkerModule] : []),
      ],
      // YtdlpBinary here: one per process, so health and jobs see the same leases.
      // CookiesService here: the api serves /api/me/cookies, workers hand the file to yt-dlp.
      providers: [{ provide: APP_CONFIG, useValue: config }, JobStore, PipelineQueues, CookiesService, YtdlpBinary],
      exports: [APP_CONFIG, JobStore, BullModule, PipelineQueues, CookiesService, YtdlpBinary],
    };
  }
}
