// The client's view of the job list: merge snapshots by seq, reconcile a refetched page, filter
// and order for display. Pure: the socket hook keeps the state, these decide it.
import type { JobSnapshot, JobState } from '@server/jobs/job.types';
import { placeOf } from './collections';

export type JobMap = ReadonlyMap<string, JobSnapshot>;

/**
 * True when `incoming` is news: a later change (seq) or a later attempt than what we hold. A
 * snapshot without a seq (the event of a job created waiting carries none) counts as the first.
 */
export function isNewer(known: JobSnapshot | undefined, incoming: JobSnapshot): boolean {
  return !known || (known.seq ?? 0) < (incoming.seq ?? 0) || known.attempt < incoming.attempt;
}

/** A newer seq replaces an older snapshot; anything older or equal is dropped (same map back). */
export function mergeJobs(current: JobMap, incoming: readonly JobSnapshot[]): JobMap {
  let next: Map<string, JobSnapshot> | null = null;
  for (const job of incoming) {
    if (!isNewer((next ?? current).get(job.id), job)) continue;
    next ??= new Map(current);
    next.set(job.id, job);
  }
  return next ?? current;
}

export function removeJob(current: JobMap, id: string): JobMap {
  if (!current.has(id)) return current;
  const next = new Map(current);
  next.delete(id);
  return next;
}

/**
 * After a refetch of the newest page (e.g. on reconnect): merge it, and forget jobs it should have
 * held but did not (deleted while we were away), unless they changed while the request ran.
 */
export function reconcilePage(
  current: JobMap,
  page: { items: readonly JobSnapshot[]; nextCursor: string | null },
  opts: { state?: JobState; touchedMeanwhile: ReadonlySet<string> },
): JobMap {
  let next = mergeJobs(current, page.items);
  const returned = new Set(page.items.map((j) => j.id));
  const oldest = page.items.length ? page.items[page.items.length - 1].createdAt : null;
  for (const job of next.values()) {
    if (returned.has(job.id) || opts.touchedMeanwhile.has(job.id)) continue;
    if (placeOf(job) === 'child') continue; // never on a top-level page: its collection's card keeps it
    if (opts.state && job.state !== opts.state) continue;
    const withinPage = page.nextCursor === null || (oldest !== null && job.createdAt >= oldest);
    if (withinPage) next = removeJob(next, job.id);
  }
  return next;
}

/**
 * Newest first; with a filter only that state; with more pages to load, only down to the oldest
 * loaded. Children of collections are listed under their collection, never at the top level.
 */
export function visibleJobs(jobs: JobMap, opts: { state?: JobState; loadedDownTo: string | null }): JobSnapshot[] {
  return [...jobs.values()]
    .filter((j) => placeOf(j) === 'list')
    .filter((j) => !opts.state || j.state === opts.state)
    .filter((j) => opts.loadedDownTo === null || j.createdAt >= opts.loadedDownTo)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}
