// What a delete, an account removal or a subscription's creation cut short by a death leaves
// behind: found from what Redis and the media folder hold, for the reconciler to repair.
import fs from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { JOB_ID_PATTERN, keys } from '../jobs/job-keys';
import { scanSuffixes } from '../jobs/job-scan';
import { jobPaths, JobPathRoots } from '../jobs/job-paths';
import { SubscriptionRecords } from '../subscriptions/subscription-records';
import { scheduleChecks } from '../subscriptions/subscription-schedule';
import { SubscriptionCheck, subscriptionKeys } from '../subscriptions/subscription.types';

/**
 * Job folders (media, and work folders of jobs) whose job no longer exists and that nothing
 * touched for `graceMs`: a delete whose process died between the record and the files.
 */
export async function orphanedJobFolders(redis: Redis, roots: JobPathRoots, graceMs: number): Promise<string[]> {
  const paths = jobPaths(roots);
  const trees = [
    { root: roots.mediaDir, folderOf: paths.media },
    { root: roots.workDir, folderOf: paths.work },
  ];
  const orphans: string[] = [];
  for (const { root, folderOf } of trees) {
    const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || !JOB_ID_PATTERN.test(entry.name)) continue;
      if (await redis.exists(keys.job(entry.name))) continue;
      const folder = folderOf(entry.name);
      const stat = await fs.stat(folder).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs >= graceMs) orphans.push(folder);
    }
  }
  return orphans;
}

/** Owners of jobs whose account is gone: a removal whose process died before their jobs went. */
export async function ownersRemoved(redis: Redis): Promise<string[]> {
  const owners = await scanSuffixes(redis, keys.jobsOfOwner(''));
  const gone: string[] = [];
  for (const owner of owners) if (!(await redis.exists(keys.user(owner)))) gone.push(owner);
  return gone;
}

/** Schedules every subscription older than `graceMs` that has no job scheduler; returns their ids. */
export async function scheduleUnscheduled(redis: Redis, queue: Queue<SubscriptionCheck>, graceMs: number): Promise<string[]> {
  const records = new SubscriptionRecords(redis);
  const owners = (await scanSuffixes(redis, subscriptionKeys.ofOwner(''))).filter((k) => !k.endsWith(':urls'));
  const scheduled: string[] = [];
  for (const owner of owners) {
    for (const id of await redis.zrange(subscriptionKeys.ofOwner(owner), '0', '-1')) {
      const sub = await records.get(id);
      if (!sub || Date.now() - Date.parse(sub.createdAt) < graceMs || (await queue.getJobScheduler(id))) continue;
      await scheduleChecks(queue, sub);
      scheduled.push(id);
    }
  }
  return scheduled;
}
