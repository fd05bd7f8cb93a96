import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JobStore } from '../jobs/job.store';
import { RedisService } from '../redis/redis.module';
import { deliveryResult, metricsKeys, StageOutcome } from './metrics-keys';
import { bucketField } from './stage-histogram';

/**
 * What any process (api or worker) adds to the cluster's metrics, in Redis: jobs that ended, stage
 * durations, webhook deliveries. Fire and forget: a metric that cannot be written never fails a job.
 */
@Injectable()
export class Metrics implements OnModuleInit {
  private readonly logger = new Logger('Metrics');
  private warned = false;

  constructor(
    private readonly redis: RedisService,
    private readonly store: JobStore,
  ) {}

  onModuleInit(): void {
    // Once per end, in the process whose write ended the job: counted once however many run.
    this.store.onJobEnded((job) => {
      this.redis.client.hincrby(metricsKeys.jobsEnded, `${job.kind ?? 'video'}:${job.state}`, 1).catch((err: Error) => this.couldNotWrite(err));
    });
  }

  /** One stage run (a queue entry processed by a worker) took `seconds` and ended so. */
  observeStage(stage: string, outcome: StageOutcome, seconds: number): void {
    const key = metricsKeys.stageDuration(stage, outcome);
    this.redis.client
      .multi()
      .hincrby(key, bucketField(seconds), 1)
      .hincrby(key, 'count', 1)
      .hincrbyfloat(key, 'sum', seconds.toFixed(6))
      .exec()
      .catch((err: Error) => this.couldNotWrite(err));
  }

  /** One webhook delivery attempt: the receiver's HTTP status, or null when it did not answer. */
  webhookDelivered(status: number | null): void {
    this.redis.client.hincrby(metricsKeys.webhookDeliveries, deliveryResult(status), 1).catch((err: Error) => this.couldNotWrite(err));
  }

  private couldNotWrite(err: Error): void {
    if (this.warned) return;
    this.warned = true; // once per process: an outage of Redis is reported by health, not by every metric
    this.logger.warn(`Could not record a metric: ${err.message}`);
  }
}
