// Jobs in Redis: every write guarded and published in one Lua step. A plain class over an ioredis
// client (no NestJS), so it is tested against a real Redis without starting the app.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { channels, keys } from './job-keys';
import { ChildStanding, newJob, toRecounted, toRolledUp } from './job-lifecycle';
import { JobPage, listJobs, ListQuery } from './job-list';
import {
  CHILD_STANDINGS_SCRIPT,
  CREATE_WAITING_SCRIPT,
  RELEASE_SCRIPT,
  REMOVE_SCRIPT,
  RESERVE_SCRIPT,
  WRITE_SCRIPT,
  WriteGuard,
} from './job-scripts';
import { isFinalState, JobFormat, JobSnapshot, JobState } from './job.types';

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


/** How a job that is not a child was submitted: what its probe and its children need later. */
export interface JobOptions {
  /** false: the first entry of a playlist only (never a collection). */
  playlist: boolean;
  /** The active-jobs limit its owner had (0: none), which its children wait for. */
  maxActive: number;
}

/** One entry of a listed playlist, made into a child video job. */
export interface ChildEntry {
  url: string;
  title: string | null;
}

/** Least time between two progress roll-ups of one collection by one process. */
const ROLL_UP_EVERY_MS = 500;

export type JobEndedListener = (job: JobSnapshot) => unknown;

export class JobRecords {
  private readonly endedListeners = new Set<JobEndedListener>();
  /** The state this process last wrote for each running child, and the collections with a roll-up due. */
  private readonly childStates = new Map<string, JobState>();
  private readonly pendingRollUps = new Map<string, NodeJS.Timeout>();

  constructor(protected readonly redis: Redis) {
    redis.defineCommand('vpWriteJob', { numberOfKeys: 3, lua: WRITE_SCRIPT });
    redis.defineCommand('vpReserveJob', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('vpRemoveJob', { numberOfKeys: 8, lua: REMOVE_SCRIPT });
    redis.defineCommand('vpCreateWaitingJob', { lua: CREATE_WAITING_SCRIPT });
    redis.defineCommand('vpReleaseWaiting', { numberOfKeys: 2, lua: RELEASE_SCRIPT });
    redis.defineCommand('vpChildStandings', { numberOfKeys: 1, lua: CHILD_STANDINGS_SCRIPT });
  }

  /**
   * "A job ended": called once per final state, in the process whose write made it final (the
   * guard lets exactly one such write through per attempt) — not once per process, as a pub/sub
   * message would be. Collections too, when their last child ends. Returns a function that removes the listener.
   */
  onJobEnded(listener: JobEndedListener): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  newId(): string {
    return randomBytes(9).toString('base64url');
  }

  async create(input: { id?: string; ownerId: string; url: string; format: JobFormat; options?: JobOptions }): Promise<JobSnapshot> {
    const job = newJob({ ...input, id: input.id ?? this.newId() }, new Date());
    const options = input.options ?? { playlist: true, maxActive: 0 };
    const order = await this.redis.incr(keys.jobCounter);
    await this.redis
      .multi()
      .hset(keys.job(job.id), {
        data: this.encode(job), seq: 1, state: job.state, attempt: 1, ownerId: job.ownerId, order,
        percent: 0, playlist: options.playlist ? 1 : 0, maxActive: options.maxActive,
      })
      .zadd(keys.jobsAll, order, job.id)
      .zadd(keys.jobsOfOwner(job.ownerId), order, job.id)
      .sadd(keys.activeJobsOf(job.ownerId), job.id)
      .publish(channels.jobEvents, JSON.stringify(job))
      .exec();
    return job;
  }

  async optionsOf(id: string): Promise<JobOptions> {
    const [playlist, maxActive] = await this.redis.hmget(keys.job(id), 'playlist', 'maxActive');
    return { playlist: playlist !== '0', maxActive: Number(maxActive ?? 0) };
  }

  /**
   * A collection's children, queued on the owner's waiting list (release() starts them). Their ids
   * come from the collection's and the entry's place, so listing again after a worker died makes
   * no second copy. Returns the children in playlist order.
   */
  async createChildren(collection: JobSnapshot, entries: readonly ChildEntry[], maxActive: number): Promise<JobSnapshot[]> {
    const children: JobSnapshot[] = [];
    for (const [index, entry] of entries.entries()) {
      const id = createHash('sha256').update(`${collection.id}:${index}`).digest('base64url').slice(0, 12);
      const child = newJob(
        { id, ownerId: collection.ownerId, url: entry.url, format: collection.format, parentId: collection.id, title: entry.title, waits: true },
        new Date(),
      );
      const created = await this.createWaiting(child, maxActive, index + 1, [keys.childrenOf(collection.id)]);
      if (created < 0) break; // the collection was cancelled or deleted meanwhile
      children.push(child);
    }
    return children;
  }

  /** A stand-alone job that waits for its owner's place like a child does (a subscription's find). */
  async createWaitingJob(input: { ownerId: string; url: string; format: JobFormat; title: string | null }, maxActive: number): Promise<JobSnapshot> {
    const job = newJob({ ...input, id: this.newId(), waits: true }, new Date());
    const order = await this.redis.incr(keys.jobCounter);
    await this.createWaiting(job, maxActive, order, [keys.jobsAll, keys.jobsOfOwner(job.ownerId)], order);
    return job;
  }

  private async createWaiting(job: JobSnapshot, maxActive: number, score: number, lists: string[], order?: number): Promise<number> {
    const waitOrder = order ?? (await this.redis.incr(keys.jobCounter));
    return this.redis.vpCreateWaitingJob(
      2 + lists.length, keys.job(job.id), keys.waitingJobsOf(job.ownerId), ...lists,
      this.encode(job), job.id, job.ownerId, String(waitOrder), String(score), String(maxActive), job.parentId ?? '', channels.jobEvents, JOB_KEY_PREFIX,
    );
  }

  /** Takes waiting jobs of the owner among their active ones while places are free; returns them to be started. */
  async releaseWaiting(ownerId: string): Promise<JobSnapshot[]> {
    const ids = await this.redis.vpReleaseWaiting(keys.waitingJobsOf(ownerId), keys.activeJobsOf(ownerId), JOB_KEY_PREFIX);
    const jobs = await Promise.all(ids.map((id) => this.get(id)));
    return jobs.filter((j): j is JobSnapshot => j !== null);
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
    // Only these guards admit a job that has not ended: a write past them that ends it is the end.
    if (isFinalState(stored.state) && (guard === 'attempt' || guard === 'active')) this.emitEnded(stored);
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
          void this.rollUp(collectionId).catch(() => undefined);
        }, ROLL_UP_EVERY_MS);
        timer.unref();
        this.pendingRollUps.set(collectionId, timer);
      }
      return;
    }
    clearTimeout(this.pendingRollUps.get(collectionId));
    this.pendingRollUps.delete(collectionId);
    await this.rollUp(collectionId).catch(() => undefined);
  }

  private emitEnded(job: JobSnapshot): void {
    for (const listener of this.endedListeners) {
      // A listener's failure is its own (sync or async): the write has happened and stays a success,
      // and a rejected promise must not become an unhandled rejection that ends the process.
      void Promise.resolve()
        .then(() => listener(job))
        .catch(() => undefined);
    }
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
