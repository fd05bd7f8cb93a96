import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import fs from 'node:fs/promises';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { toCancelled, toFailed } from '../jobs/job-lifecycle';
import { failure } from '../jobs/job-messages';
import { heldPlaces, ownersWithWaitingJobs, UnfinishedJob, unfinishedJobs } from '../jobs/job-scan';
import { JobRecords } from '../jobs/job-records';
import { isFinalState } from '../jobs/job.types';
import { Metrics } from '../metrics/metrics.service';
import { PipelineQueues } from '../pipeline/pipeline-queues';
import { WaitingJobs } from '../pipeline/waiting-jobs';
import { RedisService } from '../redis/redis.module';
import { REPAIR_KINDS, RepairKind, RECONCILE_QUEUE } from './reconcile.types';
import { AccountRemoval } from '../accounts/account-removal';
import { SubscriptionRecords } from '../subscriptions/subscription-records';
import { SubscriptionCheck, SUBSCRIPTIONS_QUEUE } from '../subscriptions/subscription.types';
import { orphanedJobFolders, scheduleUnscheduled } from './leftovers';
import { reconcileKeys } from './reconcile-keys';

const SCHEDULER_ID = 'reconcile';
const LOCK_KEY = reconcileKeys.lock;
const MISSING_KEY = reconcileKeys.placeless;
/**
 * A job that changed this recently may be between two steps of a live process: not a repair yet.
 * Twice the interval, within 5–30 s: a step between two writes takes milliseconds.
 */
export const reconcileGraceMs = (reconcileMs: number) => Math.min(30_000, Math.max(5_000, 2 * reconcileMs));
/** BullMQ entry states that mean a worker has the attempt, or will. */
const LIVE_ENTRY_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export type Repairs = Record<RepairKind, number>;

/**
 * What a process that died left undone, found and repaired every RECONCILE_SECONDS by one process
 * at a time (a BullMQ job scheduler, plus a lock for a run longer than the interval): collections
 * whose children all ended, owners with free places and waiting jobs, unfinished jobs that no
 * queue entry carries any more, media of deleted jobs, a removed account's jobs, subscriptions without
 * their checks. (Private folders of dead runs are each worker's own sweep: src/cookies.)
 * Each repair is logged with its job id and counted in `vidpipe_repairs_total{kind}`.
 */
@Processor(RECONCILE_QUEUE)
export class Reconciler extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Reconciler');

  constructor(
    @InjectQueue(RECONCILE_QUEUE) private readonly queue: Queue,
    private readonly redis: RedisService,
    private readonly store: JobRecords,
    private readonly pipeline: PipelineQueues,
    private readonly waiting: WaitingJobs,
    private readonly metrics: Metrics,
    private readonly accounts: AccountRemoval,
    private readonly subscriptionRecords: SubscriptionRecords,
    @InjectQueue(SUBSCRIPTIONS_QUEUE) private readonly subscriptions: Queue<SubscriptionCheck>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: this.config.reconcileMs }, { name: 'reconcile', opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } } });
  }

  async process(): Promise<Repairs | null> {
    const owner = `${process.pid}:${Date.now()}`;
    if ((await this.redis.client.set(LOCK_KEY, owner, 'PX', this.config.reconcileMs * 5, 'NX')) !== 'OK') return null;
    try {
      return await this.reconcile();
    } finally {
      await this.redis.client.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end", 1, LOCK_KEY, owner);
    }
  }

  async reconcile(): Promise<Repairs> {
    const repairs = Object.fromEntries(REPAIR_KINDS.map((k) => [k, 0])) as Repairs;
    const count = (kind: RepairKind, jobId: string | null, what: string) => {
      repairs[kind]++;
      this.logger.warn(`${jobId ? `Job ${jobId}: ` : ''}${what} (repaired: ${kind})`);
    };
    const grace = reconcileGraceMs(this.config.reconcileMs);
    const redis = this.redis.client;
    for (const owner of await this.accounts.leftoverOwners()) {
      await this.accounts.removeDataOf(owner);
      count('removed_account', null, `what removed account ${owner} owned was removed, its jobs with their media`);
    }
    await this.repairPlaces(grace, count);
    for (const job of await unfinishedJobs(redis)) {
      if (job.waiting || job.idleMs < grace) continue;
      await this.repairJob(job, count).catch((err: Error) => this.logger.error(`Job ${job.id}: could not be repaired: ${err.message}`));
    }
    for (const ownerId of await ownersWithWaitingJobs(this.redis.client)) {
      const started = await this.waiting.releaseAndStart(ownerId);
      for (const id of started) count('waiting_job', id, 'started from its owner’s waiting list, where a place was free');
    }
    for (const folder of await orphanedJobFolders(this.store, this.config, grace)) {
      await fs.rm(folder, { recursive: true, force: true });
      count('orphaned_media', null, `${folder}: its job is gone, so the folder was removed`);
    }
    for (const id of await scheduleUnscheduled(this.subscriptionRecords, this.subscriptions, grace)) count('unscheduled_subscription', null, `subscription ${id} had no scheduled checks: scheduled`);
    for (const [kind, n] of Object.entries(repairs)) if (n > 0) await this.metrics.repaired(kind, n);
    return repairs;
  }

  /**
   * The active-jobs quota: a place held by a job that ended, or by an id with no job in two runs
   * in a row (a death between reserving and creating), is given back; a child whose collection
   * ended (a cancel cut short) is stopped with it.
   */
  private async repairPlaces(grace: number, count: (kind: RepairKind, jobId: string | null, what: string) => void): Promise<void> {
    const redis = this.redis.client;
    const missingBefore = new Set(await redis.smembers(MISSING_KEY));
    const missingNow: string[] = [];
    for (const place of await heldPlaces(redis)) {
      if (!place.job) {
        if (!missingBefore.has(place.id)) {
          missingNow.push(place.id);
        } else {
          await this.store.unreserve(place.ownerId, place.id);
          count('stale_place', place.id, 'held a place with no job: given back');
        }
        continue;
      }
      if (isFinalState(place.job.state)) {
        await this.store.unreserve(place.ownerId, place.id);
        count('stale_place', place.id, `held a place after it ${place.job.state === 'completed' ? 'completed' : 'ended'}: given back`);
        continue;
      }
      if (!place.job.parentId) continue;
      const parent = await this.store.get(place.job.parentId);
      if (parent && !(isFinalState(parent.state) && Date.now() - Date.parse(parent.updatedAt) >= grace)) continue;
      const stopped = await this.store.transition(place.id, 'active', (current) => toCancelled(current, new Date()));
      if (!stopped) continue;
      await this.store.requestCancel(place.id);
      await this.pipeline.drop(place.id, stopped.attempt);
      count('orphaned_job', place.id, 'its collection had ended: stopped with it');
    }
    const save = redis.multi().del(MISSING_KEY);
    if (missingNow.length) save.sadd(MISSING_KEY, ...missingNow).expire(MISSING_KEY, 86_400);
    await save.exec();
  }

  private async repairJob(job: UnfinishedJob, count: (kind: RepairKind, jobId: string, what: string) => void): Promise<void> {
    const entries = await this.pipeline.entryStates(job.id, job.attempt);
    if (entries.some((e) => LIVE_ENTRY_STATES.has(e.state))) return;
    const snapshot = await this.store.get(job.id);
    if (!snapshot || isFinalState(snapshot.state) || snapshot.attempt !== job.attempt) return;
    if (entries.some((e) => e.state === 'failed')) {
      // BullMQ gave the attempt up and the process that was to record it died.
      const error = failure('internal_error', 'error.internal_error.worker_lost');
      if (await this.store.write(toFailed(snapshot, error, new Date()), 'attempt')) count('orphaned_job', job.id, 'its queue entry had failed: marked failed');
      return;
    }
    // A collection still `probing` has not finished its listing: its stage runs again and resumes it.
    if (job.kind === 'collection' && snapshot.state !== 'probing') {
      const children = await this.store.childIds(job.id);
      if (children.length > 0) {
        // Listed: it follows its children, and ends with the last of them.
        const states = await Promise.all(children.map(async (id) => (await this.store.get(id))?.state));
        if (states.every((s) => s === undefined || isFinalState(s)) && (await this.store.rollUp(job.id))) count('stuck_collection', job.id, 'every child had ended: the collection followed');
        return;
      }
    }
    if (snapshot.state === 'queued') {
      if ((await this.store.waits(job.id)) && !(await this.store.holdsPlace(job.ownerId, job.id))) {
        // A retried child or find whose process died before it joined the waiting list: it waits its turn.
        await this.store.wait(snapshot);
        await this.waiting.startReleased(job.ownerId);
        count('orphaned_job', job.id, 'queued with no place and off the waiting list: put back on it');
        return;
      }
      await this.waiting.start(snapshot);
      count('orphaned_job', job.id, 'queued with no queue entry: queued again');
      return;
    }
    await this.pipeline.restart(job.id, job.attempt);
    count('orphaned_job', job.id, `${snapshot.state} with no queue entry and no live worker: started again`);
  }
}
