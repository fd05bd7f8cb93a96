import fs from 'node:fs/promises';
import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { jobPaths } from '../jobs/job-paths';
import { FIRST_QUEUE, PIPELINE, QUEUE_NAMES, QueueName, queueJobId, StagePayload, stageJobOptions } from './pipeline';

/** The declared pipeline's queues: start a job, hand it to the next stage, take it out of every queue. */
@Injectable()
export class PipelineQueues implements OnModuleInit {
  private queues = new Map<QueueName, Queue>();

  constructor(
    private readonly modules: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    for (const name of QUEUE_NAMES) this.queues.set(name, this.modules.get(getQueueToken(name), { strict: false }));
  }

  /** A new or retried job enters the first stage. */
  async start(payload: StagePayload<typeof FIRST_QUEUE>): Promise<void> {
    await this.queue(FIRST_QUEUE).add(FIRST_QUEUE, payload, stageJobOptions(payload.jobId, payload.attempt));
  }

  /** `from` is done: the next stage takes over with what `from` handed over. */
  async handOff<Q extends QueueName>(from: Q, payload: StagePayload<NonNullable<(typeof PIPELINE)[Q]['next']>>): Promise<void> {
    const next = PIPELINE[from].next;
    if (next === null) throw new Error(`${from} is the last stage`);
    await this.queue(next).add(next, payload, stageJobOptions(payload.jobId, payload.attempt));
  }

  /** Whether `from` already handed this attempt over (a re-run of `from` must then do nothing). */
  async handedOff(from: QueueName, jobId: string, attempt: number): Promise<boolean> {
    const next = PIPELINE[from].next;
    return next !== null && Boolean(await this.queue(next).getJob(queueJobId(jobId, attempt)));
  }

  /** The states of this attempt's entries, queue by queue (BullMQ's: waiting, active, delayed, completed, failed…). */
  async entryStates(jobId: string, attempt: number): Promise<{ queue: QueueName; state: string }[]> {
    const out: { queue: QueueName; state: string }[] = [];
    for (const [name, queue] of this.queues) {
      const state = await queue.getJobState(queueJobId(jobId, attempt));
      if (state !== 'unknown') out.push({ queue: name, state });
    }
    return out;
  }

  /**
   * The attempt enters the first stage again (a job whose queue entries went with a dead process):
   * finished entries of the attempt are removed first, as BullMQ would take a re-add for a duplicate.
   */
  async restart(jobId: string, attempt: number): Promise<void> {
    const qid = queueJobId(jobId, attempt);
    for (const queue of this.queues.values()) {
      const state = await queue.getJobState(qid);
      if (state === 'completed' || state === 'failed') await (await queue.getJob(qid))?.remove();
    }
    await this.start({ jobId, attempt });
  }

  /** Takes a not-yet-started entry of this attempt out of every queue, and what it left in the work folder. */
  async drop(jobId: string, attempt: number): Promise<void> {
    const qid = queueJobId(jobId, attempt);
    let removedAll = true;
    for (const queue of this.queues.values()) {
      const entry = await queue.getJob(qid);
      if (!entry) continue;
      // An active entry is locked by its worker, which stops and cleans up by itself.
      if (await entry.isActive()) removedAll = false;
      else await entry.remove().catch(() => (removedAll = false));
    }
    const paths = jobPaths(this.config);
    if (removedAll) await fs.rm(paths.attempt(jobId, attempt), { recursive: true, force: true });
    await fs.rmdir(paths.work(jobId)).catch(() => undefined); // only when empty
  }

  private queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Queue ${name} is not registered`);
    return queue;
  }
}
