// Every change of a job's state, as pure functions from one snapshot to the next: the workers, the
// API and the store all move jobs through these, so "failed" or "cancelled" is built one way only.
import { emptyProgress, JobError, JobFormat, JobProgress, JobResult, JobSnapshot } from './job.types';

export const QUEUED_MESSAGE = 'Waiting for a free downloader';

/** Speed and time left mean nothing once a job stops moving. */
const stopped = (progress: JobProgress): JobProgress => ({ ...progress, speedBps: null, etaSeconds: null });

export function newJob(input: { id: string; ownerId: string; url: string; format: JobFormat }, now: Date): JobSnapshot {
  const at = now.toISOString();
  return {
    id: input.id,
    url: input.url,
    format: input.format,
    ownerId: input.ownerId,
    state: 'queued',
    seq: 1,
    attempt: 1,
    progress: emptyProgress(),
    message: QUEUED_MESSAGE,
    title: null,
    durationSec: null,
    thumbnailUrl: null,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

export function toCompleted(job: JobSnapshot, result: JobResult, message: string, now: Date): JobSnapshot {
  return {
    ...job,
    state: 'completed',
    message,
    result,
    error: undefined,
    progress: { ...stopped(job.progress), percent: 100, stagePercent: 100, etaSeconds: 0 },
    finishedAt: now.toISOString(),
  };
}

export function toFailed(job: JobSnapshot, error: JobError, now: Date): JobSnapshot {
  return { ...job, state: 'failed', message: error.message, error, progress: stopped(job.progress), finishedAt: now.toISOString() };
}

export function toCancelled(job: JobSnapshot, now: Date): JobSnapshot {
  return { ...job, state: 'cancelled', message: 'Cancelled', progress: stopped(job.progress), finishedAt: now.toISOString() };
}

/** Back to the queue, same attempt (its worker stopped): the percent stays, so the bar never jumps back. */
export function toRequeued(job: JobSnapshot, message: string): JobSnapshot {
  return { ...job, state: 'queued', message, progress: { ...stopped(job.progress), stagePercent: 0 } };
}

/** A failed or cancelled job runs again as a new attempt, from nothing. */
export function toRetried(job: JobSnapshot): JobSnapshot {
  return {
    ...job,
    state: 'queued',
    attempt: job.attempt + 1,
    progress: emptyProgress(),
    message: QUEUED_MESSAGE,
    result: undefined,
    error: undefined,
    finishedAt: null,
  };
}
