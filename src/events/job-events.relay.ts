import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { channels } from '../jobs/job-keys';
import type { JobSnapshot } from '../jobs/job.types';
import { RedisService } from '../redis/redis.module';

/** `json`: the snapshot as published, for streams that send it on as text. */
type Listener = (job: JobSnapshot, json: string) => void;

/**
 * Each api process subscribes once to the job event channel and hands every snapshot to its
 * own socket.io clients and SSE streams. Workers only publish; clients never see Redis.
 */
@Injectable()
export class JobEventsRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Relay');
  private subscriber: Redis;
  private readonly everyJob = new Set<Listener>();
  private readonly perJob = new Map<string, Set<Listener>>();
  private readonly removals = new Set<(removed: { id: string; ownerId: string }) => void>();

  constructor(private readonly redis: RedisService) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = this.redis.connect('events-subscriber');
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === channels.jobEvents) this.dispatch(message);
      else this.dispatchRemoval(message);
    });
    await this.subscriber.subscribe(channels.jobEvents, channels.jobRemoved);
  }

  onModuleDestroy(): void {
    this.everyJob.clear();
    this.perJob.clear();
    this.removals.clear();
  }

  /** Deleted jobs (the gateway tells clients; SSE streams of that job end). */
  onRemoved(listener: (removed: { id: string; ownerId: string }) => void): () => void {
    this.removals.add(listener);
    return () => this.removals.delete(listener);
  }

  /** Every job's events (the socket.io gateway). */
  onEveryJob(listener: Listener): () => void {
    this.everyJob.add(listener);
    return () => this.everyJob.delete(listener);
  }

  /** One job's events (an SSE stream). */
  onJob(jobId: string, listener: Listener): () => void {
    let set = this.perJob.get(jobId);
    if (!set) this.perJob.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.perJob.delete(jobId);
    };
  }

  private dispatchRemoval(message: string): void {
    let removed: { id: string; ownerId: string };
    try {
      removed = JSON.parse(message) as { id: string; ownerId: string };
    } catch {
      return;
    }
    for (const listener of this.removals) listener(removed);
  }

  private dispatch(message: string): void {
    let job: JobSnapshot;
    try {
      job = JSON.parse(message) as JobSnapshot;
    } catch {
      this.logger.warn('Dropped an unreadable job event');
      return;
    }
    for (const listener of this.everyJob) listener(job, message);
    for (const listener of this.perJob.get(job.id) ?? []) listener(job, message);
  }
}
