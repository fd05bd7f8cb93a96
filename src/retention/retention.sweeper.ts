import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobRecords } from '../jobs/job-records';
import { JobsService } from '../jobs/jobs.service';
import { expiredJobs, retentionSweepEveryMs } from './retention-policy';

export const RETENTION_QUEUE = 'retention';
const SCHEDULER_ID = 'retention-sweep';
/** Jobs read per sweep: a backlog is worked off over the next sweeps, oldest first. */
const MAX_READ_PER_SWEEP = 2000;

/** Removal goes through JobsService as an admin would (a running one is never "finished", so never touched). */

/**
 * RETENTION_DAYS: a BullMQ job scheduler runs this sweep (once per interval however many api
 * processes there are); it removes finished jobs older than that with their media, oldest first.
 * In the api role because removal is the jobs service's.
 */
@Processor(RETENTION_QUEUE)
export class RetentionSweeper extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Retention');

  constructor(
    @InjectQueue(RETENTION_QUEUE) private readonly queue: Queue,
    private readonly store: JobRecords,
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const retentionMs = this.config.retentionMs;
    // Unset now: a schedule left by an earlier start must stop too.
    if (retentionMs === null) return void (await this.queue.removeJobScheduler(SCHEDULER_ID));
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: retentionSweepEveryMs(retentionMs) },
      { name: 'sweep', opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } } },
    );
  }

  async process(): Promise<{ removed: number }> {
    if (this.config.retentionMs === null) return { removed: 0 };
    const jobs = await this.store.oldest(MAX_READ_PER_SWEEP);
    let removed = 0;
    for (const job of expiredJobs(jobs, Date.now(), this.config.retentionMs)) {
      await this.jobs.removeFinished(job.id, job.finishedAt as string).then(
        (gone) => (removed += gone ? 1 : 0),
        (err: Error) => this.logger.warn(`Could not remove job ${job.id}: ${err.message}`),
      );
    }
    if (removed) this.logger.log(`Removed ${removed} finished job(s) older than the retention period, with their media`);
    return { removed };
  }
}
