// A collection's children as its card shows them: the playlist order comes from the REST pages
// (`?parentId=`), the freshest snapshot of each from the live store. Pure, for jest.
import type { JobSnapshot } from '@server/jobs/job.types';
import type { JobMap } from './jobs';

export interface ChildList {
  /** Child ids in playlist order, as the pages returned them. */
  ids: readonly string[];
  /** The cursor of the next page; null once every page is in. */
  cursor: string | null;
  loaded: boolean;
}

export const emptyChildList = (): ChildList => ({ ids: [], cursor: null, loaded: false });

/** Appends a page (in playlist order); an id already held keeps its place. */
export function addChildPage(list: ChildList, page: { items: readonly JobSnapshot[]; nextCursor: string | null }): ChildList {
  const held = new Set(list.ids);
  const ids = [...list.ids, ...page.items.map((j) => j.id).filter((id) => !held.has(id))];
  return { ids, cursor: page.nextCursor, loaded: true };
}

/**
 * The children to show, in playlist order, each as the store holds it now. Children the pages
 * have not returned yet (created after the fetch, e.g. while the collection was probed) follow,
 * oldest first, but only once every page is in: before that the next page brings them in place.
 */
export function childrenInView(list: ChildList, jobs: JobMap, parentId: string): JobSnapshot[] {
  const inOrder = list.ids.map((id) => jobs.get(id)).filter((j): j is JobSnapshot => !!j && j.parentId === parentId);
  if (!list.loaded || list.cursor !== null) return inOrder;
  const held = new Set(list.ids);
  const later = [...jobs.values()]
    .filter((j) => j.parentId === parentId && !held.has(j.id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return [...inOrder, ...later];
}

/** Where a live event belongs: the top-level list, or under its collection's card. */
export function placeOf(job: Pick<JobSnapshot, 'parentId'>): 'list' | 'child' {
  return job.parentId ? 'child' : 'list';
}

/** Retry is offered on any final collection (the server says when nothing failed), on a video only when it failed or was cancelled. */
export function offersRetry(job: Pick<JobSnapshot, 'kind' | 'state'>): boolean {
  if (job.state === 'failed' || job.state === 'cancelled') return true;
  return job.kind === 'collection' && job.state === 'completed';
}
