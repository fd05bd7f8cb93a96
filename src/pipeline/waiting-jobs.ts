import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { formatBytes } from '../common/format';
import { Outbox } from '../jobs/outbox';
import { toCancelled, toFailed } from '../jobs/job-lifecycle';
import { failure, type KeyedJobError, say } from '../jobs/job-messages';
import { JobRecords } from '../jobs/job-records';
import type { JobSnapshot } from '../jobs/job.types';
import { crashPoint } from '../ops/crash-point';
import { PipelineQueues } from './pipeline-queues';

/** Waiting jobs whose message a per-minute hold rewrites (the first ones: those that start next). */
const MAX_MESSAGES_REWRITTEN = 50;

export const rateMessage = (maxPerMinute: number) => say('job.rate_wait', { max: maxPerMinute });

/**
 * Children of collections (and a subscription's finds) wait on their owner's waiting list instead
 * of being refused: each time one of the owner's jobs ends (an outbox follow-up, so a death of the
 * process that ended it loses nothing) as many of them start as the owner's limits allow — places,
 * submissions this minute, and the byte quota, which a POST is held to too.
 */
@Injectable()
export class WaitingJobs implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('WaitingJobs');
  /** Owners held by the per-minute limit, and the timer that releases them when the minute allows. */
  private readonly rateTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: JobRecords,
    private readonly pipeline: PipelineQueues,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    // A failure is retried by the outbox; a job released but not queued is the reconciler's.
    this.outbox.handle('waiting-jobs', async (job) => void (await this.releaseAndStart(job.ownerId)));
  }

  onModuleDestroy(): void {
    for (const timer of this.rateTimers.values()) clearTimeout(timer);
    this.rateTimers.clear();
  }

  /** Starts as many of the owner's waiting jobs as their limits allow, oldest first; failures logged. */
  async startReleased(ownerId: string): Promise<void> {
    try {
      await this.releaseAndStart(ownerId);
    } catch (err) {
      // The outbox (after an end) or the reconciler (every RECONCILE_SECONDS) starts them later.
      this.logger.error(`Could not start the waiting jobs of ${ownerId}: ${(err as Error).message}`);
    }
  }

  /** The ids of the jobs released (started, or failed over the byte quota). */
  async releaseAndStart(ownerId: string): Promise<string[]> {
    const { jobs, rateWaitMs, orphans } = await this.store.releaseWaiting(ownerId);
    // Children of a collection that ended while they waited end with it.
    for (const child of orphans) await this.store.transition(child.id, 'active', (current) => toCancelled(current, new Date()));
    if (jobs.length > 0) crashPoint('waiting.released');
    for (const job of jobs) await this.start(job);
    if (rateWaitMs > 0) await this.holdForRate(ownerId, rateWaitMs);
    return jobs.map((j) => j.id);
  }

  /**
   * A released (or stranded) queued job enters the pipeline — or fails `storage_full` without
   * downloading when its owner's media already fill their quota. Queueing twice adds one entry.
   */
  async start(job: JobSnapshot): Promise<void> {
    const refusal = await this.overQuota(job);
    if (refusal) {
      await this.store.write(toFailed(job, refusal, new Date()), 'attempt');
      return;
    }
    const released = await this.store.transition(job.id, 'active', (current) =>
      current.state === 'queued' && current.attempt === job.attempt ? { ...current, ...say('job.queued') } : null,
    );
    if (!released) return; // cancelled or deleted meanwhile
    try {
      await this.pipeline.start({ jobId: job.id, attempt: job.attempt });
    } catch (err) {
      // A job that cannot be queued must not sit `queued` forever.
      const error = failure('internal_error', 'error.internal_error.not_queued', { reason: (err as Error).message });
      await this.store.write(toFailed(released, error, new Date()), 'attempt');
    }
  }

  private async overQuota(job: JobSnapshot): Promise<KeyedJobError | null> {
    const max = await this.store.maxMediaBytesOf(job.id);
    if (max === 0) return null;
    const used = await this.store.mediaBytesOf(job.ownerId);
    if (used < max) return null;
    return failure('storage_full', 'error.storage_full', { used: formatBytes(used), max: formatBytes(max) });
  }

  /** The waiting jobs say why they wait, and the owner is released again once the minute allows. */
  private async holdForRate(ownerId: string, waitMs: number): Promise<void> {
    const held = await this.store.waitingIds(ownerId, MAX_MESSAGES_REWRITTEN);
    const max = held.length ? (await this.store.optionsOf(held[0])).limits.maxPerMinute : 0;
    if (max > 0) {
      const message = rateMessage(max);
      for (const id of held) {
        await this.store.transition(id, 'active', (current) => (current.state === 'queued' && current.message !== message.message ? { ...current, ...message } : null));
      }
    }
    // Process-local: should this process die, the reconciler releases them within RECONCILE_SECONDS.
    if (this.rateTimers.has(ownerId)) return;
    const timer = setTimeout(() => {
      this.rateTimers.delete(ownerId);
      void this.startReleased(ownerId);
    }, waitMs + 50);
    timer.unref();
    this.rateTimers.set(ownerId, timer);
  }
}
