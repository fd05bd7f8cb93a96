import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { channels } from '../jobs/job-keys';
import { RedisService } from '../redis/redis.module';

export const ABORT_CANCEL = 'cancel';
export const ABORT_SHUTDOWN = 'shutdown';

/**
 * The jobs this worker process is running, each with an AbortController. A cancel is published
 * on Redis by whichever api process received it; the worker holding the job aborts it, which
 * kills the tool's whole process group.
 */
@Injectable()
export class CancelRegistry implements OnModuleInit {
  private readonly running = new Map<string, { queue: string; controller: AbortController; finished: Promise<void>; finish: () => void }>();
  private subscriber: Redis;
  private readonly logger = new Logger('Worker');

  constructor(private readonly redis: RedisService) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = this.redis.connect('cancel-subscriber');
    this.subscriber.on('message', (_channel: string, jobId: string) => this.running.get(jobId)?.controller.abort(ABORT_CANCEL));
    await this.subscriber.subscribe(channels.jobCancel);
  }

  register(jobId: string, queue: string): AbortController {
    const controller = new AbortController();
    let finish = () => undefined as void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    this.running.set(jobId, { queue, controller, finished, finish });
    return controller;
  }

  /** The processor is done with the job (after any hand-back or failure was written). */
  release(jobId: string, controller: AbortController): void {
    const entry = this.running.get(jobId);
    if (entry?.controller !== controller) return;
    this.running.delete(jobId);
    entry.finish();
  }

  /** Shutting down: abort this queue's running jobs and wait until each processor let go of its job. */
  async stopAll(queue: string): Promise<void> {
    const entries = [...this.running.values()].filter((e) => e.queue === queue);
    if (entries.length) this.logger.log(`Stopping ${entries.length} running ${queue} job(s); they go back to the queue`);
    for (const { controller } of entries) controller.abort(ABORT_SHUTDOWN);
    await Promise.race([Promise.all(entries.map((e) => e.finished)), new Promise((r) => setTimeout(r, 10_000))]);
  }
}
