import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from '../redis/redis.module';
import { channels, keys } from './job-keys';
import { emptyProgress, JobFormat, JobSnapshot, JobState } from './job.types';

/**
 * Who may write a snapshot, checked atomically in Redis so that a slow worker can never
 * overwrite a cancel, and an old attempt can never overwrite a retry:
 * - `attempt`: only while the job is not final and still on this attempt (workers);
 * - `active`: only while the job is not final (cancel);
 * - `ended`: only after the job failed or was cancelled (retry).
 */
export type WriteGuard = 'attempt' | 'active' | 'ended';

// Bumps seq, stores the snapshot and publishes it, all in one step, keeping the owner's active
// set and media bytes exact; -1: gone, 0: refused.
// KEYS: job, owner's active set, owner's media bytes. ARGV: data, state, attempt, guard,
// expected attempt, channel, job id, media bytes of a completion (0 otherwise), expected seq
// ('' for any; -2 when it moved on: the caller read a stale copy).
const WRITE_SCRIPT = `
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt', 'seq')
if not cur[1] then return -1 end
if ARGV[9] ~= '' and cur[3] ~= ARGV[9] then return -2 end
local final = cur[1] == 'completed' or cur[1] == 'failed' or cur[1] == 'cancelled'
local guard = ARGV[4]
if guard == 'attempt' and (final or cur[2] ~= ARGV[5]) then return 0 end
if guard == 'active' and final then return 0 end
if guard == 'ended' and (cur[2] ~= ARGV[5] or not (cur[1] == 'failed' or cur[1] == 'cancelled')) then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'state', ARGV[2], 'attempt', ARGV[3])
if ARGV[2] == 'completed' or ARGV[2] == 'failed' or ARGV[2] == 'cancelled' then
  redis.call('SREM', KEYS[2], ARGV[7])
else
  redis.call('SADD', KEYS[2], ARGV[7])
end
if ARGV[8] ~= '0' then
  redis.call('INCRBY', KEYS[3], ARGV[8])
end
redis.call('PUBLISH', ARGV[6], '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2))
return seq
`;

// Takes a place among an owner's active jobs and counts a submission in their 60 s window, or
// refuses, in one step: parallel submissions cannot all pass a check made before any of them.
// KEYS: owner's active set, owner's submissions. ARGV: job id, max active, max per window
// (0: no limit), window seconds. 1: reserved, -1: too many active, -2: too many submissions.
const RESERVE_SCRIPT = `
local maxActive = tonumber(ARGV[2])
if maxActive > 0 and redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 and redis.call('SCARD', KEYS[1]) >= maxActive then
  return -1
end
local maxSubmissions = tonumber(ARGV[3])
if maxSubmissions > 0 then
  local n = redis.call('INCR', KEYS[2])
  if n == 1 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
  if n > maxSubmissions then
    redis.call('DECR', KEYS[2])
    return -2
  end
end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`;

// KEYS: job, all jobs, owner's jobs, owner's active set, owner's media bytes.
// ARGV: job id, removal channel, removal message.
const REMOVE_SCRIPT = `
local fields = redis.call('HMGET', KEYS[1], 'state', 'data')
if fields[1] == 'completed' then
  local result = cjson.decode(fields[2]).result
  if type(result) == 'table' and tonumber(result.sizeBytes) then redis.call('DECRBY', KEYS[5], tonumber(result.sizeBytes)) end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`;

export interface ListQuery {
  ownerId: string | null; // null: every owner (admins)
  state?: JobState;
  limit: number;
  cursor?: number;
}

@Injectable()
export class JobStore {
  private readonly redis: Redis;

  constructor(redis: RedisService) {
    this.redis = redis.client;
    this.redis.defineCommand('vpWriteJob', { numberOfKeys: 3, lua: WRITE_SCRIPT });
    this.redis.defineCommand('vpReserveJob', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    this.redis.defineCommand('vpRemoveJob', { numberOfKeys: 5, lua: REMOVE_SCRIPT });
  }

  newId(): string {
    return randomBytes(9).toString('base64url');
  }

  async create(input: { id?: string; ownerId: string; url: string; format: JobFormat }): Promise<JobSnapshot> {
    const now = new Date().toISOString();
    const job: JobSnapshot = {
      id: input.id ?? this.newId(),
      url: input.url,
      format: input.format,
      ownerId: input.ownerId,
      state: 'queued',
      seq: 1,
      attempt: 1,
      progress: emptyProgress(),
      message: 'Waiting for a free downloader',
      title: null,
      durationSec: null,
      thumbnailUrl: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
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
    const seq = (await (this.redis as any).vpWriteJob(
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
    )) as number;
    if (seq === -2) return 'stale';
    return seq > 0 ? this.decode(data, String(seq)) : null;
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
    await (this.redis as any).vpRemoveJob(
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
    const result = (await (this.redis as any).vpReserveJob(
      keys.activeJobsOf(ownerId),
      keys.submissionsOf(ownerId),
      jobId,
      String(limits.maxActive),
      String(limits.maxPerMinute),
      '60',
    )) as number;
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
