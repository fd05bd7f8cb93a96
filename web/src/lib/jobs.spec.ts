import { newJob } from '@server/jobs/job-lifecycle';
import { emptyProgress, type JobSnapshot } from '@server/jobs/job.types';
import { downloadFacts, isIndeterminate, mediaFacts, pictureOf } from './describe';
import { mergeJobs, reconcilePage, removeJob, visibleJobs } from './jobs';
import { noteSeen, timeline } from './timeline';

// The server's own new-job snapshot (message emptied), with what a test sets on top.
const snap = (over: Partial<JobSnapshot> & { id: string }): JobSnapshot => ({
  ...newJob({ id: over.id, ownerId: 'u1', url: `https://example.com/${over.id}`, format: 'best' }, new Date('2026-11-29T10:00:00.000Z')),
  message: '',
  ...over,
});

describe('merging snapshots by seq', () => {
  it('takes a later seq and drops an older or equal one', () => {
    let jobs = mergeJobs(new Map(), [snap({ id: 'a', seq: 3, state: 'downloading' })]);
    jobs = mergeJobs(jobs, [snap({ id: 'a', seq: 2, state: 'probing' })]);
    expect(jobs.get('a')!.state).toBe('downloading');
    jobs = mergeJobs(jobs, [snap({ id: 'a', seq: 4, state: 'transcoding' })]);
    expect(jobs.get('a')!.state).toBe('transcoding');
  });
  it('returns the same map when nothing is new, so React does not re-render', () => {
    const jobs = mergeJobs(new Map(), [snap({ id: 'a', seq: 5 })]);
    expect(mergeJobs(jobs, [snap({ id: 'a', seq: 5 })])).toBe(jobs);
  });
  it('takes a retry (a later attempt) and keeps the order events arrive in irrelevant', () => {
    const events = [1, 2, 3, 4, 5].map((seq) => snap({ id: 'a', seq }));
    const shuffled = [events[3], events[0], events[4], events[1], events[2]];
    const final = shuffled.reduce((m, e) => mergeJobs(m, [e]), new Map() as ReturnType<typeof mergeJobs>);
    expect(final.get('a')!.seq).toBe(5);
    expect(mergeJobs(final, [snap({ id: 'a', seq: 5, attempt: 2, state: 'queued' })]).get('a')!.attempt).toBe(2);
  });
  it('forgets a removed job', () => {
    const jobs = mergeJobs(new Map(), [snap({ id: 'a' }), snap({ id: 'b' })]);
    expect([...removeJob(jobs, 'a').keys()]).toEqual(['b']);
    expect(removeJob(jobs, 'zz')).toBe(jobs);
  });
});

describe('refetching after a reconnect', () => {
  const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const known = mergeJobs(new Map(), [
    snap({ id: 'old', createdAt: at(1) }),
    snap({ id: 'gone', createdAt: at(5) }),
    snap({ id: 'kept', createdAt: at(6), seq: 7, state: 'downloading' }),
    snap({ id: 'new-meanwhile', createdAt: at(9) }),
  ]);

  it('merges newer snapshots and drops jobs deleted while away, within the page it fetched', () => {
    const page = { items: [snap({ id: 'kept', createdAt: at(6), seq: 9, state: 'completed' }), snap({ id: 'x', createdAt: at(4) })], nextCursor: 'c' };
    const next = reconcilePage(known, page, { touchedMeanwhile: new Set(['new-meanwhile']) });
    expect(next.get('kept')!.state).toBe('completed');
    expect(next.has('gone')).toBe(false);
    expect(next.has('old')).toBe(true); // older than the page: not its business
    expect(next.has('new-meanwhile')).toBe(true); // arrived by socket while the request ran
  });
  it('with the whole list fetched, drops every job it did not return', () => {
    const next = reconcilePage(known, { items: [snap({ id: 'kept', createdAt: at(6), seq: 7 })], nextCursor: null }, { touchedMeanwhile: new Set() });
    expect([...next.keys()]).toEqual(['kept']);
  });
  it('with a state filter, leaves jobs of other states alone', () => {
    const next = reconcilePage(known, { items: [], nextCursor: null }, { state: 'completed', touchedMeanwhile: new Set() });
    expect(next.size).toBe(4);
  });
});

describe('what the list shows', () => {
  const jobs = mergeJobs(new Map(), [
    snap({ id: 'a', createdAt: '2026-11-29T10:01:00.000Z', state: 'failed' }),
    snap({ id: 'b', createdAt: '2026-11-29T10:03:00.000Z', state: 'completed' }),
    snap({ id: 'c', createdAt: '2026-11-29T10:02:00.000Z', state: 'completed' }),
  ]);
  it('puts the newest first, filters by state, and stops at the oldest loaded page', () => {
    expect(visibleJobs(jobs, { loadedDownTo: null }).map((j) => j.id)).toEqual(['b', 'c', 'a']);
    expect(visibleJobs(jobs, { state: 'completed', loadedDownTo: null }).map((j) => j.id)).toEqual(['b', 'c']);
    expect(visibleJobs(jobs, { loadedDownTo: '2026-11-29T10:02:00.000Z' }).map((j) => j.id)).toEqual(['b', 'c']);
  });
});

describe('what a card says', () => {
  const downloading = snap({
    id: 'd',
    state: 'downloading',
    progress: { percent: 30, stagePercent: 40, downloadedBytes: 1_200_000, totalBytes: 3_000_000, speedBps: 400_000, etaSeconds: 4.5 },
  });
  it('gives done of total, speed and ETA while downloading, in both languages', () => {
    expect(downloadFacts(downloading, 'en')).toEqual(['1.2 MB of 3 MB', '400 kB/s', '5 s left']);
    expect(downloadFacts(downloading, 'zh-CN')).toEqual(['1.2 MB / 3 MB', '400 kB/秒', '剩余5秒']);
  });
  it('gives bytes and speed, no ETA and an indeterminate bar, when the size is unknown', () => {
    const unknown = snap({ id: 'u', state: 'downloading', progress: { ...emptyProgress(), downloadedBytes: 800_000, speedBps: 200_000, etaSeconds: null } });
    expect(downloadFacts(unknown, 'en')).toEqual(['800 kB', '200 kB/s']);
    expect(isIndeterminate(unknown)).toBe(true);
    expect(isIndeterminate(downloading)).toBe(false);
  });
  it('gives length and size once known, and the poster over the site’s thumbnail', () => {
    const done = snap({
      id: 'r',
      state: 'completed',
      thumbnailUrl: 'https://site.example/t.jpg',
      result: { playlistUrl: '/media/r/master.m3u8', posterUrl: '/media/r/poster.jpg', renditions: [], sizeBytes: 4_200_000, durationSec: 65, videoCopied: true },
    });
    expect(mediaFacts(done, 'en')).toEqual(['Length 1:05', 'Size 4.2 MB']);
    expect(mediaFacts(done, 'zh-CN')).toEqual(['时长 1:05', '大小 4.2 MB']);
    expect(pictureOf(done)).toBe('/media/r/poster.jpg');
    expect(pictureOf({ ...done, result: undefined })).toBe('https://site.example/t.jpg');
  });
});

describe('the stage timeline', () => {
  it('shows seen stages with their times and the rest as pending while running', () => {
    let seen = noteSeen({}, snap({ id: 't', state: 'queued', updatedAt: 'T0' }));
    seen = noteSeen(seen, snap({ id: 't', state: 'downloading', updatedAt: 'T2' }));
    seen = noteSeen(seen, snap({ id: 't', state: 'downloading', updatedAt: 'T3' }));
    const rows = timeline(snap({ id: 't', state: 'downloading', createdAt: 'T0' }), seen);
    expect(rows.map((r) => [r.state, r.status, r.at])).toEqual([
      ['queued', 'done', 'T0'],
      ['probing', 'done', null],
      ['downloading', 'current', 'T2'],
      ['transcoding', 'pending', null],
    ]);
  });
  it('ends with the final state at finishedAt, and a retry starts a fresh record', () => {
    const job = snap({ id: 't', state: 'completed', createdAt: 'T0', finishedAt: 'T9' });
    expect(timeline(job, {}).map((r) => [r.state, r.status, r.at])).toEqual([
      ['queued', 'done', 'T0'],
      ['probing', 'done', null],
      ['downloading', 'done', null],
      ['transcoding', 'done', null],
      ['completed', 'done', 'T9'],
    ]);
    const seen = noteSeen(noteSeen({}, snap({ id: 't', state: 'downloading', updatedAt: 'T2' })), snap({ id: 't', attempt: 2, state: 'queued', updatedAt: 'T5' }));
    expect(seen).toEqual({ attempt: 2, queued: 'T5' });
  });
  it('marks stages a cancelled job never reached as skipped', () => {
    const seen = noteSeen({}, snap({ id: 't', state: 'downloading', updatedAt: 'T2' }));
    const rows = timeline(snap({ id: 't', state: 'cancelled', createdAt: 'T0', finishedAt: 'T4' }), seen);
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'skipped', 'done']);
    expect(rows[4]).toEqual({ state: 'cancelled', status: 'done', at: 'T4' });
  });
});
