// What a delete or a subscription's creation cut short by a death leaves behind, for the
// reconciler to repair (an account removal's leftovers: src/accounts/account-removal.ts).
import fs from 'node:fs/promises';
import type { Queue } from 'bullmq';
import { JOB_ID_PATTERN } from '../common/ids';
import type { JobRecords } from '../jobs/job-records';
import { jobPaths, JobPathRoots } from '../jobs/job-paths';
import { SubscriptionRecords } from '../subscriptions/subscription-records';
import { scheduleChecks } from '../subscriptions/subscription-schedule';
import type { SubscriptionCheck } from '../subscriptions/subscription.types';

/**
 * Job folders (media, and work folders of jobs) whose job no longer exists and that nothing
 * touched for `graceMs`: a delete whose process died between the record and the files.
 */
export async function orphanedJobFolders(records: JobRecords, roots: JobPathRoots, graceMs: number): Promise<string[]> {
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
      if (await records.exists(entry.name)) continue;
      const folder = folderOf(entry.name);
      const stat = await fs.stat(folder).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs >= graceMs) orphans.push(folder);
    }
  }
  return orphans;
}

/** Schedules every subscription older than `graceMs` that has no job scheduler; returns their ids. */
export async function scheduleUnscheduled(records: SubscriptionRecords, queue: Queue<SubscriptionCheck>, graceMs: number): Promise<string[]> {
  const scheduled: string[] = [];
  for (const owner of await records.owners()) {
    for (const sub of await records.listOf(owner)) {
      if (Date.now() - Date.parse(sub.createdAt) < graceMs || (await queue.getJobScheduler(sub.id))) continue;
      await scheduleChecks(queue, sub);
      scheduled.push(sub.id);
    }
  }
  return scheduled;
}
