import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
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
export class CancelRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly running = new Map<string, AbortController>();
  private subscriber: Redis;

  constructor(private readonly redis: RedisService) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = this.redis.connect('cancel-subscriber');
    this.subscriber.on('message', (_channel: string, jobId: string) => this.running.get(jobId)?.abort(ABORT_CANCEL));
    await this.subscriber.subscribe(channels.jobCancel);
  }

  register(jobId: string): AbortController {
    const controller = new AbortController();
    this.running.set(jobId, controller);
    return controller;
  }

  release(jobId: string, controller: AbortController): void {
    if (this.running.get(jobId) === controller) this.running.delete(jobId);
  }

  /**
   * Shutting down: stop every running tool before BullMQ closes its workers (that happens at
   * application shutdown, after this), so each processor hands its job back to the queue.
   */
  onModuleDestroy(): void {
    for (const controller of this.running.values()) controller.abort(ABORT_SHUTDOWN);
  }
}
