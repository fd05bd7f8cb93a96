// RETENTION_DAYS, decided without I/O: which finished jobs have been kept long enough. Pure.
import { isFinalState, JobSnapshot } from '../jobs/job.types';

/** Finished jobs past `retentionMs`, oldest finish first. A collection's child goes with its collection. */
export function expiredJobs(jobs: readonly JobSnapshot[], now: number, retentionMs: number): JobSnapshot[] {
  return jobs
    .filter((job) => job.parentId === null && isFinalState(job.state) && job.finishedAt !== null)
    .filter((job) => now - Date.parse(job.finishedAt!) >= retentionMs)
    .sort((a, b) => Date.parse(a.finishedAt!) - Date.parse(b.finishedAt!));
}

/** How often to look: a twentieth of the retention, at least every second and at most hourly. */
export function retentionSweepEveryMs(retentionMs: number): number {
  return Math.min(3_600_000, Math.max(1000, Math.round(retentionMs / 20)));
}
