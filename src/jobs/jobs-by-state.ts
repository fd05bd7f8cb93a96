import type Redis from 'ioredis';
import { keys } from './job-keys';
import { FINAL_STATES, JOB_STATES, JobState } from './job.types';

export type UnfinishedState = Exclude<JobState, 'completed' | 'failed' | 'cancelled'>;
export const UNFINISHED_STATES = JOB_STATES.filter((s) => !FINAL_STATES.has(s)) as UnfinishedState[];

/**
 * Jobs not finished yet, by state: the `owners`' (every user's) active jobs and the jobs waiting for a place
 * among them, read from the sets the job scripts keep. The cost grows with the users and the jobs
 * in flight, never with the library (a pass over 100,000 job records took ~1.5 s of Redis time
 * here; finished jobs are counted as they end instead: vidpipe_jobs_ended_total).
 */
export async function countUnfinishedJobs(redis: Redis, owners: readonly string[]): Promise<Record<UnfinishedState, number>> {
  const counts = Object.fromEntries(UNFINISHED_STATES.map((s) => [s, 0])) as Record<UnfinishedState, number>;
  if (owners.length === 0) return counts;
  const lists = owners.reduce((p, id) => p.smembers(keys.activeJobsOf(id)).zrange(keys.waitingJobsOf(id), '0', '-1'), redis.pipeline());
  const ids = new Set<string>();
  for (const [err, members] of (await lists.exec()) ?? []) {
    if (!err && Array.isArray(members)) for (const id of members) ids.add(String(id));
  }
  if (ids.size === 0) return counts;
  const states = [...ids].reduce((p, id) => p.hget(keys.job(id), 'state'), redis.pipeline());
  for (const [err, state] of (await states.exec()) ?? []) {
    // A set may still hold a job that just ended or went: only unfinished states count.
    if (!err && typeof state === 'string' && state in counts) counts[state as UnfinishedState] += 1;
  }
  return counts;
}
