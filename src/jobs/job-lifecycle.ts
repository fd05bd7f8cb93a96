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
import { asJobMessage, failure, JobMessage, KeyedJobError, say } from './job-messages';

export const QUEUED_MESSAGE = say('job.queued').message;

/** Speed and time left mean nothing once a job stops moving. */
const stopped = (progress: JobProgress): JobProgress => ({ ...progress, speedBps: null, etaSeconds: null });

/** A child waits here until one of its owner's places among active jobs is free. */
export const WAITING_MESSAGE = say('job.waiting').message;

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
    ...say(input.waits ? 'job.waiting' : 'job.queued'),
    title: input.title ?? null,
    durationSec: null,
    thumbnailUrl: null,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

export function toCompleted(job: JobSnapshot, result: JobResult, message: string | JobMessage, now: Date): JobSnapshot {
  return {
    ...job,
    state: 'completed',
    ...asJobMessage(message),
    result,
    error: undefined,
    progress: { ...stopped(job.progress), percent: 100, stagePercent: 100, etaSeconds: 0 },
    finishedAt: now.toISOString(),
  };
}

/** `error.key` (when it has one) becomes the snapshot's `messageKey`; the stored error keeps code, sentence and values. */
export function toFailed(job: JobSnapshot, keyed: KeyedJobError, now: Date): JobSnapshot {
  const { key, ...error } = keyed;
  const said = { message: error.message, messageKey: key ?? null, messageParams: error.params ?? null };
  return { ...job, state: 'failed', ...said, error: error as JobError, progress: stopped(job.progress), finishedAt: now.toISOString() };
}

export function toCancelled(job: JobSnapshot, now: Date): JobSnapshot {
  return { ...job, state: 'cancelled', ...say('job.cancelled'), progress: stopped(job.progress), finishedAt: now.toISOString() };
}

/** Back to the queue, same attempt (its worker stopped): the percent stays, so the bar never jumps back. */
export function toRequeued(job: JobSnapshot, message: string | JobMessage): JobSnapshot {
  return { ...job, state: 'queued', ...asJobMessage(message), progress: { ...stopped(job.progress), stagePercent: 0 } };
}

/** A failed or cancelled job runs again as a new attempt, from nothing. */
export function toRetried(job: JobSnapshot): JobSnapshot {
  return {
    ...job,
    state: 'queued',
    attempt: job.attempt + 1,
    progress: emptyProgress(),
    ...say('job.queued'),
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

/** "3 videos: 1 ready, 1 running, 1 waiting" — only the parts that are not zero. */
export const describeChildren = (c: CollectionChildren): JobMessage => say('collection.summary', { ...c });

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
    ...describeChildren(children),
    progress: { ...stopped(job.progress), stagePercent: 0 },
  };
}

/** "Listing the playlist: 50 of 150": the collection says so while its children are being made. */
export const listingMessage = (listed: number, total: number): JobMessage => say('collection.listing', { listed, total });

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
  if (progress.listed < progress.total) return { ...collection, state: 'probing', ...listingMessage(progress.listed, progress.total) };
  const listed: JobSnapshot = { ...collection, state: 'downloading', ...describeChildren(counts) };
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
  const said = listing ? {} : describeChildren(counts);
  const rolled: JobSnapshot = { ...collection, children: counts, ...said, progress: { ...collection.progress, percent } };
  if (listing) return JSON.stringify(collection.children) === JSON.stringify(counts) ? null : rolled;
  // No child left (each was deleted on its own) counts as every child final, none completed.
  const ended = counts.completed + counts.failed + counts.cancelled === counts.total;
  if (ended && counts.completed > 0) {
    return { ...rolled, state: 'completed', progress: { ...stopped(rolled.progress), percent: 100, stagePercent: 100 }, finishedAt: now.toISOString() };
  }
  if (ended) {
    const error = counts.total
      ? failure('download_failed', 'error.download_failed.collection', { total: counts.total })
      : failure('download_failed', 'error.download_failed.collection_empty');
    return toFailed(rolled, error, now);
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
