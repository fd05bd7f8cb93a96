import { newJob } from '@server/jobs/job-lifecycle';
import type { JobSnapshot } from '@server/jobs/job.types';
import { addChildPage, childrenInView, emptyChildList, offersRetry, placeOf } from './collections';
import { mergeJobs, reconcilePage, visibleJobs } from './jobs';

// The server's own new-job snapshot (message emptied), with what a test sets on top.
const snap = (over: Partial<JobSnapshot> & { id: string }): JobSnapshot => ({
  ...newJob({ id: over.id, ownerId: 'u1', url: `https://example.com/${over.id}`, format: 'best' }, new Date('2026-11-29T10:00:00.000Z')),
  message: '',
  ...over,
});
const children = { total: 3, queued: 3, running: 0, completed: 0, failed: 0, cancelled: 0 };

describe('collections in the top-level list', () => {
  it('turns a video into a collection in place (same id, higher seq) and keeps its children off the list', () => {
    let jobs = mergeJobs(new Map(), [snap({ id: 'p', seq: 1 })]);
    jobs = mergeJobs(jobs, [snap({ id: 'p', seq: 3, kind: 'collection', state: 'probing', children })]);
    // Children's events reach the user room too, newer than the collection itself.
    jobs = mergeJobs(jobs, [
      snap({ id: 'c1', parentId: 'p', createdAt: '2026-11-29T10:00:01.000Z' }),
      snap({ id: 'c2', parentId: 'p', createdAt: '2026-11-29T10:00:01.000Z' }),
    ]);
    const list = visibleJobs(jobs, { loadedDownTo: null });
    expect(list.map((j) => [j.id, j.kind])).toEqual([['p', 'collection']]);
    expect(jobs.get('c1')?.parentId).toBe('p'); // still held, for the expanded card
    expect([placeOf(jobs.get('c1')!), placeOf(jobs.get('p')!)]).toEqual(['child', 'list']);
  });

  it('a refetched top-level page never drops children it could not have returned', () => {
    const jobs = mergeJobs(new Map(), [snap({ id: 'p', kind: 'collection', children }), snap({ id: 'c1', parentId: 'p' })]);
    const after = reconcilePage(jobs, { items: [snap({ id: 'p', kind: 'collection', children })], nextCursor: null }, { touchedMeanwhile: new Set() });
    expect([...after.keys()].sort()).toEqual(['c1', 'p']);
    // A stand-alone job the page should have held is still forgotten (deleted while away).
    const gone = reconcilePage(mergeJobs(jobs, [snap({ id: 'x' })]), { items: [snap({ id: 'p' })], nextCursor: null }, { touchedMeanwhile: new Set() });
    expect(gone.has('x')).toBe(false);
  });
});

describe('a child created waiting', () => {
  it('moves on although its first event carried no seq (the waiting-job creation publishes none)', () => {
    const { seq: _none, ...first } = snap({ id: 'c1', parentId: 'p' });
    let jobs = mergeJobs(new Map(), [first as JobSnapshot]);
    jobs = mergeJobs(jobs, [snap({ id: 'c1', parentId: 'p', seq: 4, state: 'downloading' })]);
    expect(jobs.get('c1')?.state).toBe('downloading');
    jobs = mergeJobs(jobs, [first as JobSnapshot]); // a late copy of that first event changes nothing
    expect(jobs.get('c1')?.state).toBe('downloading');
  });
});

describe('a collection’s children', () => {
  const early = '2026-11-29T10:00:01.000Z';
  it('keeps playlist order from the pages, shows each child’s latest snapshot, and pages by cursor', () => {
    // The server's playlist order is not the id order: the card must not re-sort.
    let list = addChildPage(emptyChildList(), { items: [snap({ id: 'z', parentId: 'p' }), snap({ id: 'a', parentId: 'p' })], nextCursor: '2' });
    let jobs = mergeJobs(new Map(), [snap({ id: 'z', parentId: 'p' }), snap({ id: 'a', parentId: 'p' }), snap({ id: 'm', parentId: 'p', createdAt: early })]);
    jobs = mergeJobs(jobs, [snap({ id: 'a', parentId: 'p', seq: 5, state: 'downloading', message: 'Waiting for one of your other jobs to finish' })]);
    // 'm' is on the next page: not shown yet, so it cannot appear out of place.
    expect(childrenInView(list, jobs, 'p').map((j) => [j.id, j.state])).toEqual([['z', 'queued'], ['a', 'downloading']]);
    list = addChildPage(list, { items: [snap({ id: 'm', parentId: 'p' }), snap({ id: 'a', parentId: 'p' })], nextCursor: null });
    expect(list.ids).toEqual(['z', 'a', 'm']); // a repeat keeps its first place
    expect(childrenInView(list, jobs, 'p').map((j) => j.id)).toEqual(['z', 'a', 'm']);
  });

  it('adds children created after the last page (oldest first) and ignores other collections’ children', () => {
    const list = addChildPage(emptyChildList(), { items: [], nextCursor: null });
    const jobs = mergeJobs(new Map(), [
      snap({ id: 'b', parentId: 'p', createdAt: '2026-11-29T10:00:02.000Z' }),
      snap({ id: 'a', parentId: 'p', createdAt: early }),
      snap({ id: 'q1', parentId: 'q' }),
      snap({ id: 'p', kind: 'collection' }),
    ]);
    expect(childrenInView(list, jobs, 'p').map((j) => j.id)).toEqual(['a', 'b']);
    expect(childrenInView(emptyChildList(), jobs, 'p')).toEqual([]); // nothing before the first page
  });

  it('drops a child that was deleted (no longer in the store)', () => {
    const list = addChildPage(emptyChildList(), { items: [snap({ id: 'a', parentId: 'p' }), snap({ id: 'b', parentId: 'p' })], nextCursor: null });
    const jobs = mergeJobs(new Map(), [snap({ id: 'b', parentId: 'p' })]);
    expect(childrenInView(list, jobs, 'p').map((j) => j.id)).toEqual(['b']);
  });
});

describe('retry on a card', () => {
  it('is offered on a final collection even when it completed (the server says if nothing failed), on a video only after failure or cancel', () => {
    expect(offersRetry({ kind: 'collection', state: 'completed' })).toBe(true);
    expect(offersRetry({ kind: 'collection', state: 'downloading' })).toBe(false);
    expect(offersRetry({ kind: 'video', state: 'completed' })).toBe(false);
    expect(offersRetry({ kind: 'video', state: 'failed' })).toBe(true);
  });
});
