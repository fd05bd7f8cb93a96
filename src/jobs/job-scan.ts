// Reading every unfinished job at once, for the reconciler: one pipelined HMGET per page of ids.
import type { Redis } from 'ioredis';
import { scanSuffixes } from '../redis/scan-suffixes';
import { keys } from './job-keys';
import { isFinalState, JobKind, JobState } from './job.types';

/** What the reconciler needs of a job that has not ended. */
export interface UnfinishedJob {
  id: string;
  ownerId: string;
  state: JobState;
  attempt: number;
  kind: JobKind;
  /** On its owner's waiting list: the release starts it, not the reconciler. */
  waiting: boolean;
  /** ms since its snapshot last changed. */
  idleMs: number;
}

const PAGE = 500;

/** Top-level jobs (stand-alone videos, collections, finds) and the children of unfinished collections. */
export async function unfinishedJobs(redis: Redis, now = Date.now()): Promise<UnfinishedJob[]> {
  const out: UnfinishedJob[] = [];
  const read = async (ids: string[]): Promise<UnfinishedJob[]> => {
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hmget(keys.job(id), 'state', 'attempt', 'ownerId', 'data', 'releasedAt');
    const rows = (await pipe.exec()) ?? [];
    const found: UnfinishedJob[] = [];
    for (const [i, [err, value]] of rows.entries()) {
      const [state, attempt, ownerId, data, releasedAt] = (err ? [] : value) as (string | null)[];
      if (!state || !ownerId || !data || isFinalState(state as JobState)) continue;
      const snapshot = JSON.parse(data) as { kind?: JobKind; updatedAt?: string };
      found.push({
        id: ids[i], ownerId, state: state as JobState, attempt: Number(attempt), kind: snapshot.kind ?? 'video', waiting: false,
        // A release changes no snapshot: it counts as a change too.
        idleMs: now - Math.max(snapshot.updatedAt ? Date.parse(snapshot.updatedAt) : 0, Number(releasedAt ?? 0)),
      });
    }
    return found;
  };
  for (let start = 0; ; start += PAGE) {
    const ids = await redis.zrange(keys.jobsAll, String(start), String(start + PAGE - 1));
    if (ids.length === 0) break;
    out.push(...(await read(ids)));
  }
  for (const collection of out.filter((j) => j.kind === 'collection')) {
    out.push(...(await read(await redis.zrange(keys.childrenOf(collection.id), '0', '-1'))));
  }
  // Waiting jobs are the release's to start.
  const owners = [...new Set(out.map((j) => j.ownerId))];
  const waitingSets = await Promise.all(owners.map(async (o) => [o, new Set(await redis.zrange(keys.waitingJobsOf(o), '0', '-1'))] as const));
  const waitingOf = new Map(waitingSets);
  for (const job of out) job.waiting = waitingOf.get(job.ownerId)?.has(job.id) ?? false;
  return out;
}

/** Owners with jobs on their waiting list. */
export function ownersWithWaitingJobs(redis: Redis): Promise<string[]> {
  return scanSuffixes(redis, keys.waitingJobsOf(''));
}

/** One place in an owner's active set, and what its job is now (null: no record). */
export interface HeldPlace {
  ownerId: string;
  id: string;
  job: { state: JobState; parentId: string | null; attempt: number } | null;
}

/** Every place held in every owner's active set (the active-jobs quota), with its job's state. */
export async function heldPlaces(redis: Redis): Promise<HeldPlace[]> {
  const out: HeldPlace[] = [];
  for (const ownerId of await scanSuffixes(redis, keys.activeJobsOf(''))) {
    const ids = await redis.smembers(keys.activeJobsOf(ownerId));
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hmget(keys.job(id), 'state', 'parentId', 'attempt');
    const rows = (await pipe.exec()) ?? [];
    for (const [i, [err, value]] of rows.entries()) {
      const [state, parentId, attempt] = (err ? [] : value) as (string | null)[];
      out.push({ ownerId, id: ids[i], job: state ? { state: state as JobState, parentId: parentId || null, attempt: Number(attempt) } : null });
    }
  }
  return out;
}
