// Jobs in Redis: every write guarded and published in one Lua step. A plain class over an ioredis
// client (no NestJS), so it is tested against a real Redis without starting the app.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisSource } from '../redis/redis.module';
import { scanSuffixes } from '../redis/scan-suffixes';
import { channels, keys } from './job-keys';
import { ChildStanding, newJob, toListed, toRecounted, toRolledUp } from './job-lifecycle';
import { JobPage, listJobs, ListQuery } from './job-list';
import {
  CHILD_STANDINGS_SCRIPT,
  CREATE_CHILD_BATCH_SCRIPT,
  CREATE_WAITING_SCRIPT,
  RELEASE_SCRIPT,
  REMOVE_SCRIPT,
  RESERVE_SCRIPT,
  WRITE_SCRIPT,
  WriteGuard,
} from './job-scripts';
import { isFinalState, JobFormat, JobSnapshot, JobState } from './job.types';
import { crashPoint } from '../ops/crash-point';

export type { WriteGuard } from './job-scripts';
export type { JobPage, ListQuery } from './job-list';

/**
 * Who may write a snapshot (WriteGuard), checked atomically in Redis so that a slow worker can
 * never overwrite a cancel, and an old attempt can never overwrite a retry:
 * - `attempt`: only while the job is not final and still on this attempt (workers);
 * - `active`: only while the job is not final (cancel, a collection following its children);
 * - `ended`: only after the job failed or was cancelled (retry);
 * - `reopen`: only after the job ended in any way, on this attempt (a collection retrying children).
 */
const JOB_KEY_PREFIX = keys.job('');


/**
 * The per-user limits a job carries from its submission (0: none; an admin's are all 0): the jobs
 * that reach the pipeline through the owner's waiting list (a collection's children, a
 * subscription's finds, retried children) are held to them when they are released.
 */
export interface JobLimits {
  maxActive: number;
  maxPerMinute: number;
  maxMediaBytes: number;
}
export const NO_LIMITS: JobLimits = { maxActive: 0, maxPerMinute: 0, maxMediaBytes: 0 };

/** How a job that is not a child was submitted: what its probe and its children need later. */
export interface JobOptions {
  /** false: the first entry of a playlist only (never a collection). */
  playlist: boolean;
  /** Its owner's limits, which its children are held to. */
  limits: JobLimits;
}

/** A release of waiting jobs: those to start, and how long the per-minute limit holds the next one (0: it does not). */
export interface Released {
  jobs: JobSnapshot[];
  rateWaitMs: number;
  /** Children taken off the list because their collection ended (a cancel cut short): to be ended too. */
  orphans: JobSnapshot[];
}


/** One entry of a listed playlist, made into a child video job. */
export interface ChildEntry {
  url: string;
  title: string | null;
}

/** Least time between two progress roll-ups of one collection by one process. */
const ROLL_UP_EVERY_MS = 500;

export class JobRecords {
  protected readonly redis: Redis;
  /** The state this process last wrote for each running child, and the collections with a roll-up due. */
  private readonly childStates = new Map<string, JobState>();
  private readonly pendingRollUps = new Map<string, NodeJS.Timeout>();

  constructor(source: RedisSource) {
    const redis = (this.redis = source.client);
    redis.defineCommand('vpWriteJob', { numberOfKeys: 4, lua: WRITE_SCRIPT });
    redis.defineCommand('vpReserveJob', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('vpRemoveJob', { numberOfKeys: 8, lua: REMOVE_SCRIPT });
    redis.defineCommand('vpCreateWaitingJob', { lua: CREATE_WAITING_SCRIPT });
    redis.defineCommand('vpReleaseWaiting', { numberOfKeys: 3, lua: RELEASE_SCRIPT });
    redis.defineCommand('vpChildStandings', { numberOfKeys: 1, lua: CHILD_STANDINGS_SCRIPT });
    redis.defineCommand('vpCreateChildBatch', { numberOfKeys: 4, lua: CREATE_CHILD_BATCH_SCRIPT });
  }

  /** An owner's lists and counters (index, waiting list, active places, bytes, rate window), once its jobs are gone. */
  async removeOwnerIndexes(ownerId: string): Promise<void> {
    await this.redis.del(keys.jobsOfOwner(ownerId), keys.waitingJobsOf(ownerId), keys.activeJobsOf(ownerId), keys.mediaBytesOf(ownerId), keys.submissionsOf(ownerId));
  }

  /** The oldest `count` jobs of everyone (creation order), those that still exist. */
  async oldest(count: number): Promise<JobSnapshot[]> {
    const ids = await this.redis.zrange(keys.jobsAll, '0', String(count - 1));
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((j): j is JobSnapshot => j !== null);
  }

  /** Owners with jobs. */
  owners(): Promise<string[]> {
    return scanSuffixes(this.redis, keys.jobsOfOwner(''));
  }

  async exists(id: string): Promise<boolean> {
    return (await this.redis.exists(keys.job(id))) === 1;
  }

  newId(): string {
    return randomBytes(9).toString('base64url');
  }

  async create(input: { id?: string; ownerId: string; url: string; format: JobFormat; options?: JobOptions }): Promise<JobSnapshot> {
    const job = newJob({ ...input, id: input.id ?? this.newId() }, new Date());
    const options = input.options ?? { playlist: true, limits: NO_LIMITS };
    const order = await this.redis.incr(keys.jobCounter);
    await this.redis
      .multi()
      .hset(keys.job(job.id), {
        data: this.encode(job), seq: 1, state: job.state, attempt: 1, ownerId: job.ownerId, order,
        percent: 0, playlist: options.playlist ? 1 : 0, ...limitFields(options.limits),
      })
      .zadd(keys.jobsAll, order, job.id)
      .zadd(keys.jobsOfOwner(job.ownerId), order, job.id)
      .sadd(keys.activeJobsOf(job.ownerId), job.id)
      .publish(channels.jobEvents, JSON.stringify(job))
      .exec();
    return job;
  }

  async optionsOf(id: string): Promise<JobOptions> {
    const [playlist, maxActive, maxPerMinute, maxMediaBytes] = await this.redis.hmget(keys.job(id), 'playlist', 'maxActive', 'maxPerMinute', 'maxMediaBytes');
    return { playlist: playlist !== '0', limits: { maxActive: Number(maxActive ?? 0), maxPerMinute: Number(maxPerMinute ?? 0), maxMediaBytes: Number(maxMediaBytes ?? 0) } };
  }

  /**
   * One batch of a playlist's listing, in one write: the children of `entries` (the playlist's
   * entries from place `from` on, of `total`), queued on the owner's waiting list (release() starts
   * them), and how far the listing got. Their ids come from the collection's id and the entry's
   * place, so listing again after a worker died makes no second copy. Returns the batch's children
   * in playlist order; none when the collection was cancelled or deleted meanwhile.
   */
  async createChildren(collection: JobSnapshot, entries: readonly ChildEntry[], limits: JobLimits, from = 0, total = from + entries.length): Promise<JobSnapshot[]> {
    const now = new Date();
    const children = entries.map((entry, i) =>
      newJob({ id: derivedId(`${collection.id}:${from + i}`), ownerId: collection.ownerId, url: entry.url, format: collection.format, parentId: collection.id, title: entry.title, waits: true }, now),
    );
    const made = await this.redis.vpCreateChildBatch(
      keys.job(collection.id), keys.waitingJobsOf(collection.ownerId), keys.childrenOf(collection.id), keys.jobCounter,
      JOB_KEY_PREFIX, channels.jobEvents, collection.id, collection.ownerId,
      String(limits.maxActive), String(limits.maxPerMinute), String(limits.maxMediaBytes), String(from + entries.length), String(total),
      ...children.flatMap((child, i) => [child.id, String(from + i + 1), this.encode(child)]),
    );
    return made < 0 ? [] : children;
  }

  /**
   * The collection as far as its listing got (`listed` of `total` entries made into children),
   * claiming only the children that exist; null when it ended or another attempt runs.
   */
  async writeListing(collectionId: string, attempt: number, listing: { title: string | null; thumbnailUrl: string | null }, listed: number, total: number): Promise<JobSnapshot | null> {
    return this.transition(collectionId, 'attempt', async (current) =>
      current.attempt === attempt ? toListed(current, listing, await this.childStandings(collectionId), { listed, total }, new Date()) : null,
    );
  }

  /**
   * A subscription's find: a stand-alone job that waits for its owner's place like a child does,
   * under an id derived from (subscription, entry), marked seen in `seenKey` in the same step.
   * null when the entry was seen before (its job was made then).
   */
  async createFind(
    input: { ownerId: string; url: string; format: JobFormat; title: string | null },
    find: { subscriptionId: string; seenKey: string },
    limits: JobLimits,
  ): Promise<JobSnapshot | null> {
    const id = derivedId(`sub:${find.subscriptionId}:${input.url}`);
    const job = newJob({ ...input, id, waits: true }, new Date());
    const order = await this.redis.incr(keys.jobCounter);
    const created = await this.createWaiting(job, limits, order, [keys.jobsAll, keys.jobsOfOwner(job.ownerId)], { order, seenKey: find.seenKey, seenMember: input.url });
    return created === 1 ? job : null;
  }

  private async createWaiting(job: JobSnapshot, limits: JobLimits, score: number, lists: string[], opts: { order?: number; seenKey?: string; seenMember?: string } = {}): Promise<number> {
    const waitOrder = opts.order ?? (await this.redis.incr(keys.jobCounter));
    return this.redis.vpCreateWaitingJob(
      2 + lists.length, keys.job(job.id), keys.waitingJobsOf(job.ownerId), ...lists,
      this.encode(job), job.id, job.ownerId, String(waitOrder), String(score), String(limits.maxActive), job.parentId ?? '', channels.jobEvents, JOB_KEY_PREFIX,
      String(limits.maxPerMinute), opts.seenKey ?? '', opts.seenMember ?? '', String(limits.maxMediaBytes),
    );
  }

  /**
   * Takes waiting jobs of the owner among their active ones while their limits allow (places, and
   * submissions in the current minute); returns them to be started.
   */
  async releaseWaiting(ownerId: string): Promise<Released> {
    const [ids, rateWaitMs, orphanIds] = await this.redis.vpReleaseWaiting(keys.waitingJobsOf(ownerId), keys.activeJobsOf(ownerId), keys.submissionsOf(ownerId), JOB_KEY_PREFIX, String(Date.now()));
    const read = async (list: string[]) => (await Promise.all(list.map((id) => this.get(id)))).filter((j): j is JobSnapshot => j !== null);
    return { jobs: await read(ids), rateWaitMs: Number(rateWaitMs), orphans: await read(orphanIds) };
  }

  /** The first `count` of the owner's waiting jobs, the next to start first. */
  async waitingIds(ownerId: string, count: number): Promise<string[]> {
    return this.redis.zrange(keys.waitingJobsOf(ownerId), '0', String(count - 1));
  }

  /** Whether the job holds one of its owner's places (released, or started by a POST). */
  async holdsPlace(ownerId: string, id: string): Promise<boolean> {
    return (await this.redis.sismember(keys.activeJobsOf(ownerId), id)) === 1;
  }

  /** The byte quota a job carries (0: none). */
  async maxMediaBytesOf(id: string): Promise<number> {
    return Number((await this.redis.hget(keys.job(id), 'maxMediaBytes')) ?? 0);
  }

  /** Puts a retried child (or subscription job) back on its owner's waiting list. */
  async wait(job: JobSnapshot): Promise<void> {
    const order = await this.redis.incr(keys.jobCounter);
    await this.redis.multi().srem(keys.activeJobsOf(job.ownerId), job.id).zadd(keys.waitingJobsOf(job.ownerId), order, job.id).exec();
  }

  /** Whether the job reaches the pipeline through its owner's waiting list. */
  async waits(id: string): Promise<boolean> {
    return (await this.redis.hget(keys.job(id), 'waits')) === '1';
  }

  async childIds(collectionId: string): Promise<string[]> {
    return this.redis.zrange(keys.childrenOf(collectionId), '0', '-1');
  }

  private async childStandings(collectionId: string): Promise<ChildStanding[]> {
    const flat = await this.redis.vpChildStandings(keys.childrenOf(collectionId), JOB_KEY_PREFIX);
    const out: ChildStanding[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ state: flat[i] as JobState, percent: Number(flat[i + 1]) || 0 });
    return out;
  }

  /** The collection follows its children: counts, percent, and its end once they all ended. */
  async rollUp(collectionId: string): Promise<JobSnapshot | null> {
    return this.transition(collectionId, 'active', async (current) => toRolledUp(current, await this.childStandings(collectionId), new Date()));
  }

  /** An ended collection's counts after its children were stopped with it (no second "ended"). */
  async recount(collectionId: string): Promise<JobSnapshot | null> {
    return this.transition(collectionId, 'reopen', async (current) => toRecounted(current, await this.childStandings(collectionId)));
  }

  async get(id: string): Promise<JobSnapshot | null> {
    const [data, seq] = await this.redis.hmget(keys.job(id), 'data', 'seq');
    return data ? this.decode(data, seq) : null;
  }

  async ownerOf(id: string): Promise<string | null> {
    return this.redis.hget(keys.job(id), 'ownerId');
  }

  /**
   * Stores `next` (its seq is ignored) if the guard allows, publishes it and returns it with
   * its new seq; null when refused or the job is gone.
   */
  async write(next: JobSnapshot, guard: WriteGuard, expectedAttempt = next.attempt): Promise<JobSnapshot | null> {
    const result = await this.writeIf(next, guard, expectedAttempt, null);
    return result === 'stale' ? null : result;
  }

  /**
   * Read, change, write — again if anything was published in between, so the change applies to
   * the latest snapshot (a cancel keeps the progress a worker wrote a moment before). `change`
   * returns null to give up; the result is null when refused, gone or given up.
   */
  async transition(
    id: string,
    guard: WriteGuard,
    change: (current: JobSnapshot) => JobSnapshot | null | Promise<JobSnapshot | null>,
  ): Promise<JobSnapshot | null> {
    for (let round = 0; round < 100; round++) {
      const current = await this.get(id);
      const next = current && (await change(current));
      if (!current || !next) return null;
      const result = await this.writeIf(next, guard, current.attempt, current.seq);
      if (result !== 'stale') return result;
    }
    throw new Error(`Job ${id} changes too fast to update`);
  }

  private async writeIf(next: JobSnapshot, guard: WriteGuard, expectedAttempt: number, expectedSeq: number | null): Promise<JobSnapshot | null | 'stale'> {
    const data = this.encode({ ...next, updatedAt: new Date().toISOString() });
    const seq = await this.redis.vpWriteJob(
      keys.job(next.id),
      keys.activeJobsOf(next.ownerId),
      keys.mediaBytesOf(next.ownerId),
      keys.outbox,
      data,
      next.state,
      String(next.attempt),
      guard,
      String(expectedAttempt),
      channels.jobEvents,
      next.id,
      String(next.state === 'completed' ? (next.result?.sizeBytes ?? 0) : 0),
      expectedSeq === null ? '' : String(expectedSeq),
      next.kind,
      String(next.progress.percent),
    );
    if (seq === -2) return 'stale';
    if (seq <= 0) return null;
    const stored = this.decode(data, String(seq));
    // The end is in the outbox with the write (WRITE_SCRIPT): what follows it survives a death here.
    if (isFinalState(stored.state) && (guard === 'attempt' || guard === 'active')) crashPoint('job.final-written');
    // Whoever wrote a child brings its collection up to date: no other process has to watch.
    if (stored.parentId) await this.childWritten(stored);
    return stored;
  }

  /**
   * A child's change of state reaches its collection at once; its progress (several writes a
   * second per running child) at most once per ROLL_UP_EVERY_MS, so a collection of many running
   * children does not rescan them on every progress line.
   */
  private async childWritten(child: JobSnapshot): Promise<void> {
    const collectionId = child.parentId as string;
    const changedState = this.childStates.get(child.id) !== child.state;
    if (isFinalState(child.state)) this.childStates.delete(child.id);
    else this.childStates.set(child.id, child.state);
    if (!changedState) {
      if (!this.pendingRollUps.has(collectionId)) {
        const timer = setTimeout(() => {
          this.pendingRollUps.delete(collectionId);
          // Progress only: a lost roll-up is made good by the next one (and a child's end by the outbox).
          void this.rollUp(collectionId).catch(() => undefined);
        }, ROLL_UP_EVERY_MS);
        timer.unref();
        this.pendingRollUps.set(collectionId, timer);
      }
      return;
    }
    clearTimeout(this.pendingRollUps.get(collectionId));
    this.pendingRollUps.delete(collectionId);
    // At once for people watching; a child's end also reaches the collection through the outbox.
    await this.rollUp(collectionId).catch(() => undefined);
  }

  list(q: ListQuery): Promise<JobPage> {
    return listJobs(this.redis, q, (data, seq) => this.decode(data, seq));
  }

  /** Removes the record; the owner's media bytes go down by what the stored job (not a copy read earlier) kept. */
  async remove(job: JobSnapshot): Promise<void> {
    await this.redis.vpRemoveJob(
      keys.job(job.id),
      keys.jobsAll,
      keys.jobsOfOwner(job.ownerId),
      keys.activeJobsOf(job.ownerId),
      keys.mediaBytesOf(job.ownerId),
      keys.waitingJobsOf(job.ownerId),
      keys.childrenOf(job.parentId ?? job.id),
      keys.childrenOf(job.id),
      job.id,
      channels.jobRemoved,
      JSON.stringify({ id: job.id, ownerId: job.ownerId }),
    );
  }
  /** Gives back a place reserved for a job that did not start after all. */
  async unreserve(ownerId: string, jobId: string): Promise<void> {
    await this.redis.srem(keys.activeJobsOf(ownerId), jobId);
  }

  /** Bytes of finished media an owner keeps, for the storage quota. */
  async mediaBytesOf(ownerId: string): Promise<number> {
    return Number((await this.redis.get(keys.mediaBytesOf(ownerId))) ?? 0);
  }

  /**
   * Reserves a place for job `jobId` (new, or retried) among the owner's active jobs and counts
   * it as a submission; limits of 0 are no limit.
   */
  async reserve(ownerId: string, jobId: string, limits: { maxActive: number; maxPerMinute: number }): Promise<'ok' | 'too_many_jobs' | 'too_many_submissions'> {
    const result = await this.redis.vpReserveJob(
      keys.activeJobsOf(ownerId),
      keys.submissionsOf(ownerId),
      jobId,
      String(limits.maxActive),
      String(limits.maxPerMinute),
      '60',
    );
    return result === 1 ? 'ok' : result === -1 ? 'too_many_jobs' : 'too_many_submissions';
  }

  async requestCancel(jobId: string): Promise<void> {
    await this.redis.publish(channels.jobCancel, jobId);
  }

  private encode(job: JobSnapshot): string {
    const { seq: _seq, ...rest } = job;
    return JSON.stringify(rest);
  }

  private decode(data: string, seq: string | null): JobSnapshot {
    // Records written before collections existed are stand-alone videos.
    const stored = JSON.parse(data) as Omit<JobSnapshot, 'seq'>;
    return { ...stored, kind: stored.kind ?? 'video', parentId: stored.parentId ?? null, seq: Number(seq ?? 0) };
  }
}

/** Ids made from what a job is (a playlist's place, a subscription's entry): making it again finds it. */
function derivedId(of: string): string {
  return createHash('sha256').update(of).digest('base64url').slice(0, 12);
}

function limitFields(limits: JobLimits): Record<string, number> {
  return { maxActive: limits.maxActive, maxPerMinute: limits.maxPerMinute, maxMediaBytes: limits.maxMediaBytes };
}
