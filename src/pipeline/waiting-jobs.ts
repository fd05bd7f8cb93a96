import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { QUEUED_MESSAGE, toFailed } from '../jobs/job-lifecycle';
import { JobStore } from '../jobs/job.store';
import type { JobSnapshot } from '../jobs/job.types';
import { PipelineQueues } from './pipeline-queues';

/**
 * Children of collections (and a subscription's finds) wait on their owner's waiting list instead
 * of being refused: each time one of the owner's jobs ends — in whichever process wrote the end —
 * as many of them start as the owner's places allow.
 */
@Injectable()
export class WaitingJobs implements OnModuleInit {
  private readonly logger = new Logger('WaitingJobs');

  constructor(
    private readonly store: JobStore,
    private readonly pipeline: PipelineQueues,
  ) {}

  onModuleInit(): void {
    this.store.onJobEnded((job) => void this.startReleased(job.ownerId));
  }

  /** Starts as many of the owner's waiting jobs as their places allow, oldest first. */
  async startReleased(ownerId: string): Promise<void> {
    try {
      for (const job of await this.store.releaseWaiting(ownerId)) await this.start(job);
    } catch (err) {
      this.logger.error(`Could not start the waiting jobs of ${ownerId}: ${(err as Error).message}`);
    }
  }

  private async start(job: JobSnapshot): Promise<void> {
    const released = await this.store.transition(job.id, 'active', (current) =>
      current.state === 'queued' && current.attempt === job.attempt ? { ...current, message: QUEUED_MESSAGE } : null,
    );
    if (!released) return; // cancelled or deleted meanwhile
    try {
      await this.pipeline.start({ jobId: job.id, attempt: job.attempt });
    } catch (err) {
      // A job that cannot be queued must not sit `queued` forever.
      const message = `The job could not be queued: ${(err as Error).message}`;
      await this.store.write(toFailed(released, { code: 'internal_error', message }, new Date()), 'attempt').catch(() => undefined);
    }
  }
}
