// One page of jobs: the top level (an owner's, or everyone's) newest first, or a collection's
// children in playlist order; a cursor is the score of the last job on the page.
import type { Redis } from 'ioredis';
import { keys } from './job-keys';
import type { JobSnapshot, JobState } from './job.types';

export interface ListQuery {
  ownerId: string | null; // null: every owner (admins)
  state?: JobState;
  limit: number;
  cursor?: number;
  /** The children of this collection, in playlist order, instead of the top-level list. */
  parentId?: string;
}

export interface JobPage {
  items: JobSnapshot[];
  nextCursor: string | null;
}

export async function listJobs(redis: Redis, q: ListQuery, decode: (data: string, seq: string | null) => JobSnapshot): Promise<JobPage> {
  // Children in playlist order (ascending); the top level newest first.
  const key = q.parentId ? keys.childrenOf(q.parentId) : q.ownerId ? keys.jobsOfOwner(q.ownerId) : keys.jobsAll;
  const ascending = q.parentId !== undefined;
  const items: JobSnapshot[] = [];
  let from = q.cursor !== undefined ? `(${q.cursor}` : ascending ? '-inf' : '+inf';
  const end = ascending ? '+inf' : '-inf';
  const page = (start: string) =>
    ascending
      ? redis.zrangebyscore(key, start, end, 'WITHSCORES', 'LIMIT', 0, q.limit * 2)
      : redis.zrevrangebyscore(key, start, end, 'WITHSCORES', 'LIMIT', 0, q.limit * 2);
  // A state filter may skip many jobs: read in pages until the page is full or the list ends.
  for (let round = 0; round < 50 && items.length < q.limit; round++) {
    const batch = await page(from);
    if (batch.length === 0) return { items, nextCursor: null };
    const ids = batch.filter((_, i) => i % 2 === 0);
    const rows = await ids.reduce((p, id) => p.hmget(keys.job(id), 'data', 'seq'), redis.pipeline()).exec();
    for (let i = 0; i < ids.length; i++) {
      const score = batch[i * 2 + 1];
      from = `(${score}`;
      const [data, seq] = (rows?.[i]?.[1] ?? []) as [string | null, string | null];
      const job = data ? decode(data, seq) : null;
      if (!job || (q.state && job.state !== q.state)) continue;
      items.push(job);
      if (items.length === q.limit) {
        const more = ascending ? await redis.zcount(key, from, '+inf') : await redis.zcount(key, '-inf', from);
        return { items, nextCursor: more > 0 ? score : null };
      }
    }
  }
  return { items, nextCursor: items.length ? from.slice(1) : null };
}
