import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Outbox } from '../jobs/outbox';
import { RedisService } from '../redis/redis.module';
import { deliveryResult, metricsKeys, StageOutcome } from './metrics-keys';
import { bucketField } from './stage-histogram';

const COUNT_ONCE = `
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', 86400) then redis.call('HINCRBY', KEYS[2], ARGV[1], 1) end
return 1
`;

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
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    // Once per end: an entry handled again after a crash finds its marker and counts nothing.
    this.outbox.handle('metrics', async (job, entry) => {
      await this.redis.client.eval(COUNT_ONCE, 2, metricsKeys.counted(entry.id), metricsKeys.jobsEnded, `${job.kind ?? 'video'}:${job.state}`);
    });
  }

  /** One repair the reconciler made, by kind. */
  async repaired(kind: string, count = 1): Promise<void> {
    await this.redis.client.hincrby(metricsKeys.repairs, kind, count);
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
