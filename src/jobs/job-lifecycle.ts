// Every change of a job's state, as pure functions from one snapshot to the next: the workers, the
// API and the store all move jobs through these, so "failed" or "cancelled" is built one way only.
import {
  CollectionChildren,
  emptyProgress,
  isFinalState,
  JobError,
  JobFormat,
  JobProgress,
  JobResult,
  JobSnapshot,
  JobState,
} from './job.types';

export const QUEUED_MESSAGE = 'Waiting for a free downloader';

/** Speed and time left mean nothing once a job stops moving. */
const stopped = (progress: JobProgress): JobProgress => ({ ...progress, speedBps: null, etaSeconds: null });

/** A child waits here until one of its owner's places among active jobs is free. */
export const WAITING_MESSAGE = 'Waiting for one of your other jobs to finish';

export function newJob(
  input: { id: string; ownerId: string; url: string; format: JobFormat; parentId?: string | null; title?: string | null; waits?: boolean },
  now: Date,
): JobSnapshot {
  const at = now.toISOString();
  const parentId = input.parentId ?? null;
  const { id, ownerId, url, format } = input;
  return {
    id,
    kind: 'video',
    parentId,
    url,
    format,
    ownerId,
    state: 'queued',
    seq: 1,
    attempt: 1,
    progress: emptyProgress(),
    message: input.waits ? WAITING_MESSAGE : QUEUED_MESSAGE,
    title: input.title ?? null,
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

// ---- Collections: a playlist's job, whose state and percent follow its children ----

/** What a collection needs to know of one child. */
export interface ChildStanding {
  state: JobState;
  percent: number;
}

const RUNNING: ReadonlySet<JobState> = new Set<JobState>(['probing', 'downloading', 'transcoding']);

export function childrenCounts(children: readonly ChildStanding[]): CollectionChildren {
  const counts: CollectionChildren = { total: children.length, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const { state } of children) {
    if (RUNNING.has(state)) counts.running++;
    else counts[state as 'queued' | 'completed' | 'failed' | 'cancelled']++;
  }
  return counts;
}

const videos = (n: number) => `${n} video${n === 1 ? '' : 's'}`;

/** "3 videos: 1 ready, 1 running, 1 waiting" — only the parts that are not zero. */
export function describeChildren(c: CollectionChildren): string {
  const parts = [
    c.completed && `${c.completed} ready`,
    c.running && `${c.running} running`,
    c.queued && `${c.queued} waiting`,
    c.failed && `${c.failed} failed`,
    c.cancelled && `${c.cancelled} cancelled`,
  ].filter(Boolean);
  return parts.length ? `${videos(c.total)}: ${parts.join(', ')}` : videos(c.total);
}

/** The probe found a playlist of `total` entries: the job becomes their collection, all of them waiting. */
export function toCollection(job: JobSnapshot, listing: { title: string | null; thumbnailUrl: string | null }, total: number): JobSnapshot {
  const children: CollectionChildren = { total, queued: total, running: 0, completed: 0, failed: 0, cancelled: 0 };
  return {
    ...job,
    kind: 'collection',
    state: 'downloading',
    title: listing.title ?? job.title,
    thumbnailUrl: listing.thumbnailUrl ?? job.thumbnailUrl,
    children,
    message: describeChildren(children),
    progress: { ...stopped(job.progress), stagePercent: 0 },
  };
}

/** "Listing the playlist: 50 of 150": the collection says so while its children are being made. */
export const listingMessage = (listed: number, total: number) => `Listing the playlist: ${listed} of ${total}`;

/**
 * A playlist's listing made the children of its first `listed` entries (of `total`): the job is their
 * collection, claiming only the children that exist (`children`). It stays `probing` until the
 * last batch is made, then follows its children (and ends at once if they all ended meanwhile).
 */
export function toListed(
  job: JobSnapshot,
  listing: { title: string | null; thumbnailUrl: string | null },
  children: readonly ChildStanding[],
  progress: { listed: number; total: number },
  now: Date,
): JobSnapshot {
  const counts = childrenCounts(children);
  const collection: JobSnapshot = {
    ...job,
    kind: 'collection',
    title: listing.title ?? job.title,
    thumbnailUrl: listing.thumbnailUrl ?? job.thumbnailUrl,
    children: counts,
    progress: { ...stopped(job.progress), stagePercent: 0 },
  };
  if (progress.listed < progress.total) return { ...collection, state: 'probing', message: listingMessage(progress.listed, progress.total) };
  const listed: JobSnapshot = { ...collection, state: 'downloading', message: describeChildren(counts) };
  return toRolledUp(listed, children, now) ?? listed;
}

/**
 * The collection as its children now stand: counts, the mean of their percents (never lower than
 * before), and the end once every child is final — completed if one of them completed, else failed.
 * null when nothing a watcher would see changed, or the collection has already ended. While it is
 * still being listed (`probing`) only its counts follow.
 */
export function toRolledUp(collection: JobSnapshot, children: readonly ChildStanding[], now: Date): JobSnapshot | null {
  if (collection.kind !== 'collection' || isFinalState(collection.state)) return null;
  // Still listing: more children are to come, so it cannot end yet and its bar would only mislead.
  const listing = collection.state === 'probing';
  const counts = childrenCounts(children);
  const mean = counts.total ? children.reduce((sum, c) => sum + (c.state === 'completed' ? 100 : c.percent), 0) / counts.total : 0;
  const percent = listing ? collection.progress.percent : Math.round(Math.max(collection.progress.percent, mean) * 10) / 10;
  const message = listing ? collection.message : describeChildren(counts);
  const rolled: JobSnapshot = { ...collection, children: counts, message, progress: { ...collection.progress, percent } };
  if (listing) return JSON.stringify(collection.children) === JSON.stringify(counts) ? null : rolled;
  // No child left (each was deleted on its own) counts as every child final, none completed.
  const ended = counts.completed + counts.failed + counts.cancelled === counts.total;
  if (ended && counts.completed > 0) {
    return { ...rolled, state: 'completed', progress: { ...stopped(rolled.progress), percent: 100, stagePercent: 100 }, finishedAt: now.toISOString() };
  }
  if (ended) {
    const message = counts.total
      ? `None of the ${videos(counts.total)} could be downloaded; each one says why.`
      : 'Every video of this collection was deleted.';
    return toFailed(rolled, { code: 'download_failed', message }, now);
  }
  const same =
    collection.message === rolled.message &&
    collection.progress.percent === percent &&
    JSON.stringify(collection.children) === JSON.stringify(counts);
  return same ? null : rolled;
}

/** An ended collection's counts, brought up to date after its children were stopped with it; null when unchanged. */
export function toRecounted(collection: JobSnapshot, children: readonly ChildStanding[]): JobSnapshot | null {
  if (collection.kind !== 'collection' || !isFinalState(collection.state)) return null;
  const counts = childrenCounts(children);
  if (JSON.stringify(collection.children) === JSON.stringify(counts)) return null;
  return { ...collection, children: counts };
}

/** A collection runs again for the children it retries: a new attempt, its percent recounted. */
export function toReopened(collection: JobSnapshot): JobSnapshot {
  return { ...collection, state: 'downloading', attempt: collection.attempt + 1, progress: emptyProgress(), error: undefined, finishedAt: null };
}
