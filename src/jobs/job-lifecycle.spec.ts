import { ChildStanding, childrenCounts, newJob, toCollection, toListed, toRecounted, toReopened, toRolledUp } from './job-lifecycle';
import type { JobSnapshot, JobState } from './job.types';

const now = new Date('2026-11-29T12:00:00.000Z');
const collectionOf = (total: number): JobSnapshot =>
  toCollection(newJob({ id: 'collection01', ownerId: 'u1', url: 'https://video.example/list', format: 'best' }, now), { title: 'A list', thumbnailUrl: null }, total);
const kids = (...pairs: [JobState, number][]): ChildStanding[] => pairs.map(([state, percent]) => ({ state, percent }));

describe('a collection', () => {
  it('starts with every child waiting, at 0 %', () => {
    const c = collectionOf(3);
    expect(c).toMatchObject({ kind: 'collection', state: 'downloading', title: 'A list', progress: { percent: 0 } });
    expect(c.children).toEqual({ total: 3, queued: 3, running: 0, completed: 0, failed: 0, cancelled: 0 });
    expect(c.message).toBe('3 videos: 3 waiting');
  });

  it('counts its children by state, every running state as running', () => {
    expect(childrenCounts(kids(['queued', 0], ['probing', 2], ['downloading', 30], ['transcoding', 70], ['completed', 100], ['failed', 10], ['cancelled', 5]))).toEqual({
      total: 7, queued: 1, running: 3, completed: 1, failed: 1, cancelled: 1,
    });
  });

  it('shows the mean of its children’s percents, and never goes back', () => {
    const rolled = toRolledUp(collectionOf(3), kids(['downloading', 30], ['transcoding', 60], ['queued', 0]), now)!;
    expect(rolled.progress.percent).toBe(30);
    expect(rolled.message).toBe('3 videos: 2 running, 1 waiting');
    // A child retried from 0 would pull the mean down: the bar stays where it was.
    const later = toRolledUp(rolled, kids(['queued', 0], ['transcoding', 60], ['queued', 0]), now)!;
    expect(later.progress.percent).toBe(30);
    expect(later.children).toMatchObject({ queued: 2, running: 1 });
  });

  it('gives nothing to write when nothing a watcher sees changed', () => {
    const rolled = toRolledUp(collectionOf(2), kids(['downloading', 40], ['queued', 0]), now)!;
    expect(toRolledUp(rolled, kids(['downloading', 40], ['queued', 0]), now)).toBeNull();
  });

  it('completes once every child is final and one completed, at 100 %', () => {
    const done = toRolledUp(collectionOf(3), kids(['completed', 100], ['failed', 20], ['cancelled', 0]), now)!;
    expect(done).toMatchObject({ state: 'completed', finishedAt: now.toISOString(), progress: { percent: 100 } });
    expect(done.children).toMatchObject({ completed: 1, failed: 1, cancelled: 1 });
  });

  it('fails, saying why, when every child ended and none completed', () => {
    const failed = toRolledUp(collectionOf(2), kids(['failed', 20], ['cancelled', 0]), now)!;
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'download_failed', message: 'None of the 2 videos could be downloaded; each one says why.' });
  });

  it('fails when no child is left (each deleted on its own)', () => {
    expect(toRolledUp(collectionOf(2), [], now)).toMatchObject({ state: 'failed', error: { message: 'Every video of this collection was deleted.' } });
  });

  it('stays running while one child is not final', () => {
    expect(toRolledUp(collectionOf(2), kids(['completed', 100], ['transcoding', 80]), now)?.state).toBe('downloading');
  });

  it('is left alone by roll-ups once it ended (a cancel keeps its word), but its counts can be brought up to date', () => {
    const cancelled = { ...collectionOf(2), state: 'cancelled' as const };
    expect(toRolledUp(cancelled, kids(['cancelled', 10], ['cancelled', 0]), now)).toBeNull();
    expect(toRecounted(cancelled, kids(['cancelled', 10], ['cancelled', 0]))?.children).toMatchObject({ cancelled: 2, queued: 0 });
    expect(toRecounted(cancelled, kids(['queued', 0], ['queued', 0]))).toBeNull(); // unchanged
  });

  it('runs again as a new attempt when it retries children, its percent recounted', () => {
    const done = toRolledUp(collectionOf(2), kids(['completed', 100], ['failed', 20]), now)!;
    const reopened = toReopened(done);
    expect(reopened).toMatchObject({ state: 'downloading', attempt: 2, finishedAt: null, progress: { percent: 0 } });
    expect(toRolledUp(reopened, kids(['completed', 100], ['queued', 0]), now)?.progress.percent).toBe(50);
  });
});

describe('a playlist being listed', () => {
  const probing: JobSnapshot = { ...newJob({ id: 'collection02', ownerId: 'u1', url: 'https://video.example/list', format: 'best' }, now), state: 'probing' };
  const listing = { title: 'A long list', thumbnailUrl: null };
  const queued = (n: number) => kids(...Array.from({ length: n }, (): [JobState, number] => ['queued', 0]));

  it('claims only the children that exist while it lists, and says how far it got', () => {
    const c = toListed(probing, listing, queued(25), { listed: 25, total: 150 }, now);
    expect(c).toMatchObject({ kind: 'collection', state: 'probing', title: 'A long list', message: 'Listing the playlist: 25 of 150' });
    expect(c.children).toEqual({ total: 25, queued: 25, running: 0, completed: 0, failed: 0, cancelled: 0 });
  });

  it('follows its children once the last batch is made', () => {
    const c = toListed(probing, listing, queued(3), { listed: 3, total: 3 }, now);
    expect(c).toMatchObject({ state: 'downloading', message: '3 videos: 3 waiting', children: { total: 3 } });
  });

  it('never ends while it lists, even when every child made so far ended; its counts still follow', () => {
    const c = toListed(probing, listing, queued(2), { listed: 2, total: 30 }, now);
    const rolled = toRolledUp(c, kids(['completed', 100], ['failed', 10]), now)!;
    expect(rolled).toMatchObject({ state: 'probing', message: 'Listing the playlist: 2 of 30', progress: { percent: 0 }, children: { completed: 1, failed: 1 } });
    expect(toRolledUp(rolled, kids(['completed', 100], ['failed', 10]), now)).toBeNull(); // nothing changed
  });

  it('ends with its last batch when every child had ended meanwhile (nothing else would end it)', () => {
    const c = toListed(probing, listing, kids(['failed', 0], ['failed', 0]), { listed: 2, total: 2 }, now);
    expect(c).toMatchObject({ state: 'failed', error: { code: 'download_failed' }, children: { total: 2, failed: 2 } });
  });
});

describe('a plain video', () => {
  it('is a stand-alone video until its probe says otherwise', () => {
    expect(newJob({ id: 'abcdefghijkl', ownerId: 'u1', url: 'https://video.example/v', format: 'best' }, now)).toMatchObject({ kind: 'video', parentId: null });
  });

  it('is never rolled up', () => {
    expect(toRolledUp(newJob({ id: 'abcdefghijkl', ownerId: 'u1', url: 'https://v.example/', format: 'best' }, now), kids(['completed', 100]), now)).toBeNull();
  });
});
