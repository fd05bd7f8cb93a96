// Jobs in Redis: every write guarded and published in one Lua step. A plain class over an ioredis
// client (no NestJS), so it is tested against a real Redis without starting the app.
import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { channels, keys } from './job-keys';
import { newJob } from './job-lifecycle';
import { FINAL_STATES, isFinalState, JobFormat, JobSnapshot, JobState, RETRYABLE_STATES } from './job.types';

/**
 * Who may write a snapshot, checked atomically in Redis so that a slow worker can never
 * overwrite a cancel, and an old attempt can never overwrite a retry:
 * - `attempt`: only while the job is not final and still on this attempt (workers);
 * - `active`: only while the job is not final (cancel);
 * - `ended`: only after the job failed or was cancelled (retry).
 */
export type WriteGuard = 'attempt' | 'active' | 'ended';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** seq of the stored snapshot; -1 gone, 0 refused by the guard, -2 the seq moved on (a stale read). */
    vpWriteJob(
      jobKey: string, activeKey: string, mediaBytesKey: string,
      data: string, state: string, attempt: string, guard: WriteGuard, expectedAttempt: string,
      channel: string, jobId: string, completedBytes: string, expectedSeq: string,
    ): Result<number, Context>;
    /** 1 reserved, -1 too many active, -2 too many submissions. */
    vpReserveJob(activeKey: string, submissionsKey: string, jobId: string, maxActive: string, maxPerWindow: string, windowSeconds: string): Result<number, Context>;
    vpRemoveJob(
      jobKey: string, allKey: string, ownerKey: string, activeKey: string, mediaBytesKey: string,
      jobId: string, channel: string, message: string,
    ): Result<number, Context>;
  }
}

const luaSet = (states: Iterable<string>) => `{ ${[...states].map((s) => `['${s}'] = true`).join(', ')} }`;

// Bumps seq, stores the snapshot and publishes it, all in one step, keeping the owner's active
// set and media bytes exact.
const WRITE_SCRIPT = `
local jobKey, activeKey, mediaBytesKey = KEYS[1], KEYS[2], KEYS[3]
local data, state, attempt, guard, expectedAttempt = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local channel, jobId, completedBytes, expectedSeq = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local FINAL = ${luaSet(FINAL_STATES)}
local RETRYABLE = ${luaSet(RETRYABLE_STATES)}
local cur = redis.call('HMGET', jobKey, 'state', 'attempt', 'seq')
local curState, curAttempt, curSeq = cur[1], cur[2], cur[3]
if not curState then return -1 end
if expectedSeq ~= '' and curSeq ~= expectedSeq then return -2 end
if guard == 'attempt' and (FINAL[curState] or curAttempt ~= expectedAttempt) then return 0 end
if guard == 'active' and FINAL[curState] then return 0 end
if guard == 'ended' and (curAttempt ~= expectedAttempt or not RETRYABLE[curState]) then return 0 end
local seq = redis.call('HINCRBY', jobKey, 'seq', 1)
redis.call('HSET', jobKey, 'data', data, 'state', state, 'attempt', attempt)
if FINAL[state] then redis.call('SREM', activeKey, jobId) else redis.call('SADD', activeKey, jobId) end
if completedBytes ~= '0' then redis.call('INCRBY', mediaBytesKey, completedBytes) end
redis.call('PUBLISH', channel, '{"seq":' .. seq .. ',' .. string.sub(data, 2))
return seq
`;

// Takes a place among an owner's active jobs and counts a submission in their window, or
// refuses, in one step: parallel submissions cannot all pass a check made before any of them.
const RESERVE_SCRIPT = `
local activeKey, submissionsKey = KEYS[1], KEYS[2]
local jobId, maxActive, maxPerWindow, windowSeconds = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if maxActive > 0 and redis.call('SISMEMBER', activeKey, jobId) == 0 and redis.call('SCARD', activeKey) >= maxActive then
  return -1
end
if maxPerWindow > 0 then
  local n = redis.call('INCR', submissionsKey)
  if n == 1 then redis.call('EXPIRE', submissionsKey, windowSeconds) end
  if n > maxPerWindow then
    redis.call('DECR', submissionsKey)
    return -2
  end
end
redis.call('SADD', activeKey, jobId)
return 1
`;

const REMOVE_SCRIPT = `
local jobKey, allKey, ownerKey, activeKey, mediaBytesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local jobId, channel, message = ARGV[1], ARGV[2], ARGV[3]
local fields = redis.call('HMGET', jobKey, 'state', 'data')
if fields[1] == 'completed' then
  local result = cjson.decode(fields[2]).result
  if type(result) == 'table' and tonumber(result.sizeBytes) then redis.call('DECRBY', mediaBytesKey, tonumber(result.sizeBytes)) end
end
redis.call('DEL', jobKey)
redis.call('ZREM', allKey, jobId)
redis.call('ZREM', ownerKey, jobId)
redis.call('SREM', activeKey, jobId)
redis.call('PUBLISH', channel, message)
return 1
`;

export interface ListQuery {
  ownerId: string | null; // null: every owner (admins)
  state?: JobState;
  limit: number;
  cursor?: number;
}

export type JobEndedListener = (job: JobSnapshot) => void;

export class JobRecords {
  private readonly endedListeners = new Set<JobEndedListener>();

  constructor(protected readonly redis: Redis) {
    redis.defineCommand('vpWriteJob', { numberOfKeys: 3, lua: WRITE_SCRIPT });
    redis.defineCommand('vpReserveJob', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('vpRemoveJob', { numberOfKeys: 5, lua: REMOVE_SCRIPT });
  }

  /**
   * "A job ended": called once per final state, in the process whose write made it final (the
   * guard lets exactly one such write through per attempt) — not once per process, as a pub/sub
   * message would be. Returns a function that removes the listener.
   */
  onJobEnded(listener: JobEndedListener): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  newId(): string {
    return randomBytes(9).toString('base64url');
  }

  async create(input: { id?: string; ownerId: string; url: string; format: JobFormat }): Promise<JobSnapshot> {
    const job = newJob({ ...input, id: input.id ?? this.newId() }, new Date());
    const order = await this.redis.incr(keys.jobCounter);
    await this.redis
      .multi()
      .hset(keys.job(job.id), { data: this.encode(job), seq: 1, state: job.state, attempt: 1, ownerId: job.ownerId, order })
      .zadd(keys.jobsAll, order, job.id)
      .zadd(keys.jobsOfOwner(job.ownerId), order, job.id)
      .sadd(keys.activeJobsOf(job.ownerId), job.id)
      .publish(channels.jobEvents, JSON.stringify(job))
      .exec();
    return job;
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
  async transition(id: string, guard: WriteGuard, change: (current: JobSnapshot) => JobSnapshot | null): Promise<JobSnapshot | null> {
    for (let round = 0; round < 20; round++) {
      const current = await this.get(id);
      const next = current && change(current);
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
    );
    if (seq === -2) return 'stale';
    if (seq <= 0) return null;
    const stored = this.decode(data, String(seq));
    if (isFinalState(stored.state)) this.emitEnded(stored);
    return stored;
  }

  private emitEnded(job: JobSnapshot): void {
    for (const listener of this.endedListeners) {
      try {
        listener(job);
      } catch {
        // A listener's failure is its own: the write has happened and must not be reported as failed.
      }
    }
  }

  async list(q: ListQuery): Promise<{ items: JobSnapshot[]; nextCursor: string | null }> {
    const key = q.ownerId ? keys.jobsOfOwner(q.ownerId) : keys.jobsAll;
    const items: JobSnapshot[] = [];
    let max = q.cursor !== undefined ? `(${q.cursor}` : '+inf';
    // A state filter may skip many jobs: read in pages until the page is full or the list ends.
    for (let round = 0; round < 50 && items.length < q.limit; round++) {
      const batch = await this.redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', 0, q.limit * 2);
      if (batch.length === 0) return { items, nextCursor: null };
      const ids = batch.filter((_, i) => i % 2 === 0);
      const rows = await ids.reduce((p, id) => p.hmget(keys.job(id), 'data', 'seq'), this.redis.pipeline()).exec();
      for (let i = 0; i < ids.length; i++) {
        const score = batch[i * 2 + 1];
        max = `(${score}`;
        const [data, seq] = (rows?.[i]?.[1] ?? []) as [string | null, string | null];
        const job = data ? this.decode(data, seq) : null;
        if (!job || (q.state && job.state !== q.state)) continue;
        items.push(job);
        if (items.length === q.limit) {
          const more = await this.redis.zcount(key, '-inf', max);
          return { items, nextCursor: more > 0 ? score : null };
        }
      }
    }
    return { items, nextCursor: items.length ? max.slice(1) : null };
  }

  /** Removes the record; the owner's media bytes go down by what the stored job (not a copy read earlier) kept. */
  async remove(job: JobSnapshot): Promise<void> {
    await this.redis.vpRemoveJob(
      keys.job(job.id),
      keys.jobsAll,
      keys.jobsOfOwner(job.ownerId),
      keys.activeJobsOf(job.ownerId),
      keys.mediaBytesOf(job.ownerId),
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
    return { seq: Number(seq ?? 0), ...(JSON.parse(data) as Omit<JobSnapshot, 'seq'>) };
  }
}
