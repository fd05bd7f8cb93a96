// Collections on real tools: a page with several <video> tags becomes one collection of child
// video jobs that wait for the owner's places, move live, end once, and are cancelled, retried
// and deleted together — and nobody else sees any of it.
import fs from 'node:fs';
import path from 'node:path';
import type { JobSnapshot } from '../src/jobs/job.types';
import { api, type ApiHelpers } from './support/api';
import type { AppProcess } from './support/app';
import { connectJobsSocket, isFinal, Socket, subscribe, waitForState } from './support/jobs';
import { makeShortClip, writePlaylistPage } from './support/media';
import { toolsUnder } from './support/process';
import { useStack } from './support/stack';
import { sleep, waitUntil } from './support/util';

// Three entries of different lengths, so which one a job took shows in its duration.
const CLIPS = [['c1.mp4', 2], ['c2.mp4', 3], ['c3.mp4', 4]] as const;

const stack = useStack({
  media: {
    standard: false,
    prepare: async (dir) => {
      await Promise.all([
        ...CLIPS.map(([name, seconds], i) => makeShortClip(dir, name, seconds, 300 + 100 * i)),
        ...['l1.mp4', 'l2.mp4', 'l3.mp4'].map((name) => makeShortClip(dir, name, 40)),
      ]);
      await writePlaylistPage(dir, 'three.html', 'Three Loopback Clips', CLIPS.map(([name]) => name));
      await writePlaylistPage(dir, 'long.html', 'Three Long Clips', ['l1.mp4', 'l2.mp4', 'l3.mp4']);
      await writePlaylistPage(dir, 'one-missing.html', 'One Missing', ['c1.mp4', 'later.mp4']);
      await fs.promises.writeFile(
        path.join(dir, 'rtmp.html'),
        '<html><head><title>Nothing playable</title></head><body><video src="rtmp://127.0.0.1/live/a"></video><video src="rtmp://127.0.0.1/live/b"></video></body></html>',
      );
      // Side doors: entries with links of their own, so the media server shows whether each was fetched;
      // the quota page is padded so that listing it takes seconds at the suite's throttle.
      await writePlaylistPage(dir, 'quota.html', 'Over the Quota', ['c2.mp4?quota=1', 'c3.mp4?quota=2']);
      await fs.promises.appendFile(path.join(dir, 'quota.html'), `<!-- ${' '.repeat(1_000_000)} -->\n`);
      await writePlaylistPage(dir, 'minute.html', 'Four a Minute', [1, 2, 3, 4].map((n) => `c1.mp4?minute=${n}`));
    },
    server: { bytesPerSecond: 250_000 },
  },
  // Two active jobs at most for a user: the third child must wait, never be refused.
  app: { env: { USER_MAX_ACTIVE_JOBS: '2' } },
  users: ['alice', 'bob'],
  noToolLeftBehind: true, // no yt-dlp or ffmpeg outlived an app
  stopAppsAfterEach: true, // the limited apps of "no side doors"
});
const alice = stack.as('alice');
const bob = stack.as('bob');

/** Every `job` event a socket receives, in order. */
function recordEvents(socket: Socket): JobSnapshot[] {
  const events: JobSnapshot[] = [];
  socket.on('job', (job: JobSnapshot) => events.push(job));
  return events;
}

async function childrenOf(who: ApiHelpers, id: string): Promise<JobSnapshot[]> {
  const res = await who.get(`/api/jobs?parentId=${id}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.items;
}

async function collectionOf(url: string): Promise<JobSnapshot> {
  const created = await alice.post('/api/jobs', { url });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ kind: 'video', parentId: null, state: 'queued' }); // a collection once probed
  return waitUntil(async () => {
    const job = (await alice.get(`/api/jobs/${created.body.id}`)).body;
    return job.kind === 'collection' || isFinal(job.state) ? job : undefined;
  }, 30_000, 'the probe to find the playlist');
}

let finished: JobSnapshot; // the collection of the first test, deleted by a later one

it('makes one collection of a page with three <video> tags: three children done, two at a time, live, seen by nobody else', async () => {
  stack.server.setBytesPerSecond(250_000);
  const [aliceSocket, bobSocket] = await Promise.all([connectJobsSocket(stack.app.baseUrl, alice.token), connectJobsSocket(stack.app.baseUrl, bob.token)]);
  const seen = recordEvents(aliceSocket);
  const bobSaw = recordEvents(bobSocket);
  const collection = await collectionOf(stack.server.url('/three.html'));
  expect(collection).toMatchObject({ kind: 'collection', title: 'Three Loopback Clips', children: { total: 3 } });
  const done = await waitForState(alice, collection.id, ['completed'], 90_000);
  expect(done.children).toEqual({ total: 3, queued: 0, running: 0, completed: 3, failed: 0, cancelled: 0 });
  expect(done.progress.percent).toBe(100);
  await sleep(300); // the last events are on their way

  // Live in the owner's room: counts moved, percent never went back, the end came once.
  const mine = seen.filter((e) => e.id === collection.id);
  const percents = mine.map((e) => e.progress.percent);
  expect(percents).toEqual([...percents].sort((a, b) => a - b));
  expect(new Set(percents.filter((p) => p > 0 && p < 100)).size).toBeGreaterThan(2);
  expect(mine.map((e) => e.children?.completed).filter((n) => n !== undefined)).toEqual(expect.arrayContaining([0, 1, 2, 3]));
  expect(mine.filter((e) => isFinal(e.state))).toHaveLength(1);

  // Two at a time: replaying every child's events, never three running at once; the third waited.
  const children = await childrenOf(alice, collection.id);
  expect(children.map((c) => [c.parentId, c.format, c.state, c.ownerId])).toEqual(Array(3).fill([collection.id, 'best', 'completed', collection.ownerId]));
  expect(children.map((c) => Math.round(c.durationSec!))).toEqual([2, 3, 4]); // playlist order
  const latest = new Map<string, string>();
  let most = 0;
  for (const e of seen.filter((x) => x.parentId === collection.id)) {
    latest.set(e.id, e.state);
    most = Math.max(most, [...latest.values()].filter((s) => ['probing', 'downloading', 'transcoding'].includes(s)).length);
  }
  expect(most).toBe(2);
  expect(seen.some((e) => e.parentId === collection.id && /Waiting for one of your other jobs/.test(e.message))).toBe(true);
  expect(seen.some((e) => (e.error?.code as string) === 'too_many_jobs')).toBe(false);
  for (const child of children) expect(fs.existsSync(path.join(stack.app.dataDir, 'media', child.id, 'master.m3u8'))).toBe(true);

  // The top level shows the collection, not its children; a child is a job of its own for its owner.
  const top = (await alice.get('/api/jobs?limit=100')).body.items.map((j: JobSnapshot) => j.id);
  expect(top).toContain(collection.id);
  expect(top.filter((id: string) => children.some((c) => c.id === id))).toEqual([]);
  expect((await alice.get(`/api/jobs/${children[0].id}`)).body.parentId).toBe(collection.id);

  // Bob: not one event, and every path answers as for nothing at all.
  expect(bobSaw).toEqual([]);
  expect((await bob.get(`/api/jobs/${collection.id}`)).status).toBe(404);
  expect((await bob.get(`/api/jobs/${children[1].id}`)).status).toBe(404);
  const bobList = await bob.get(`/api/jobs?parentId=${collection.id}`);
  expect([bobList.status, bobList.body.code]).toEqual([404, 'not_found']);
  expect((await bob.get('/api/jobs?parentId=nosuchjob123')).status).toBe(404);
  expect((await bob.get('/api/jobs?limit=100')).body.items).toEqual([]);
  expect(await subscribe(bobSocket, collection.id)).toEqual({ ok: false, error: 'not_found' });
  expect(await subscribe(bobSocket, children[2].id)).toEqual({ ok: false, error: 'not_found' });
  expect((await bob.post(`/api/jobs/${collection.id}/retry`)).status).toBe(404);
  expect((await bob.del(`/api/jobs/${collection.id}`)).status).toBe(404);
  const ack = await subscribe(aliceSocket, collection.id);
  expect(ack.job).toMatchObject({ kind: 'collection', state: 'completed', children: { completed: 3 } });
  aliceSocket.disconnect();
  bobSocket.disconnect();
  finished = done;
}, 150_000);

it('cancelling a collection mid-download stops every tool and cancels every child', async () => {
  stack.server.setBytesPerSecond(60_000);
  const collection = await collectionOf(stack.server.url('/long.html'));
  await waitUntil(async () => (await childrenOf(alice, collection.id)).some((c) => c.state === 'downloading' && c.progress.downloadedBytes! > 0), 30_000, 'a child to download');
  expect(toolsUnder(stack.app.proc.pid!).length).toBeGreaterThan(0);
  const cancelled = await alice.post(`/api/jobs/${collection.id}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toMatchObject({ state: 'cancelled', children: { total: 3, cancelled: 3, running: 0, queued: 0 } });
  await waitUntil(() => toolsUnder(stack.app.proc.pid!).length === 0, 3_000, 'every yt-dlp to exit');
  await sleep(1_000); // nothing a stopped worker writes late may bring a child back
  expect((await childrenOf(alice, collection.id)).map((c) => c.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  expect((await alice.get(`/api/jobs/${collection.id}`)).body.state).toBe('cancelled');
  expect(toolsUnder(stack.app.proc.pid!)).toEqual([]);
  for (const child of await childrenOf(alice, collection.id)) expect(fs.existsSync(path.join(stack.app.dataDir, 'media.work', child.id))).toBe(false);
  expect((await alice.del(`/api/jobs/${collection.id}`)).status).toBe(204);
}, 90_000);

it('an entry that fails does not stop the others, and a retry of the collection runs it again', async () => {
  stack.server.setBytesPerSecond(undefined);
  const collection = await collectionOf(stack.server.url('/one-missing.html'));
  const done = await waitForState(alice, collection.id, ['completed'], 60_000);
  expect(done.children).toMatchObject({ total: 2, completed: 1, failed: 1 });
  const [ok, missing] = await childrenOf(alice, collection.id);
  expect(ok.state).toBe('completed');
  expect(missing).toMatchObject({ state: 'failed', error: { code: 'source_not_found' } });

  await fs.promises.copyFile(path.join(stack.mediaDir, 'c2.mp4'), path.join(stack.mediaDir, 'later.mp4'));
  const retried = await alice.post(`/api/jobs/${collection.id}/retry`);
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({ state: 'downloading', attempt: 2 });
  const again = await waitForState(alice, collection.id, ['completed'], 60_000);
  expect(again.children).toMatchObject({ total: 2, completed: 2, failed: 0 });
  expect((await alice.post(`/api/jobs/${collection.id}/retry`)).status).toBe(409); // nothing left to retry
  // One child deleted on its own: the collection counts one less.
  expect((await alice.del(`/api/jobs/${ok.id}`)).status).toBe(204);
  expect((await alice.get(`/api/jobs/${collection.id}`)).body).toMatchObject({ state: 'completed', children: { total: 1, completed: 1 } });
  expect((await childrenOf(alice, collection.id)).map((c) => c.id)).toEqual([missing.id]);
  expect((await alice.del(`/api/jobs/${collection.id}`)).status).toBe(204);
}, 120_000);

it('a playlist with nothing playable fails with a sentence', async () => {
  const created = await alice.post('/api/jobs', { url: stack.server.url('/rtmp.html') });
  const failed = await waitUntil(async () => {
    const job = (await alice.get(`/api/jobs/${created.body.id}`)).body;
    return isFinal(job.state) ? job : undefined;
  }, 30_000, 'the collection to end');
  expect(failed).toMatchObject({ state: 'failed', error: { code: 'unsupported_url', message: 'This playlist has no videos that can be downloaded.' } });
  expect(await childrenOf(alice, created.body.id)).toEqual([]);
});

it('"playlist": false takes the first entry only, as a plain video', async () => {
  const created = await alice.post('/api/jobs', { url: stack.server.url('/three.html'), playlist: false });
  expect(created.status).toBe(201);
  const done = await waitForState(alice, created.body.id, ['completed'], 60_000);
  expect(done).toMatchObject({ kind: 'video', parentId: null });
  expect(done.children).toBeUndefined();
  expect(Math.round(done.durationSec!)).toBe(2); // c1, the first <video>
  expect(await childrenOf(alice, created.body.id)).toEqual([]);
  expect((await alice.post('/api/jobs', { url: stack.server.url('/three.html'), playlist: 'no' })).status).toBe(400);
});

it('deleting a collection removes its children and their media', async () => {
  const children = await childrenOf(alice, finished.id);
  expect(children).toHaveLength(3);
  const socket = await connectJobsSocket(stack.app.baseUrl, alice.token);
  const removed: string[] = [];
  socket.on('jobRemoved', ({ id }: { id: string }) => removed.push(id));
  expect((await alice.del(`/api/jobs/${finished.id}`)).status).toBe(204);
  await waitUntil(() => removed.length === 4, 3_000, 'four jobRemoved events');
  socket.disconnect();
  expect(removed.sort()).toEqual([finished.id, ...children.map((c) => c.id)].sort());
  expect((await alice.get(`/api/jobs/${finished.id}`)).status).toBe(404);
  expect((await alice.get(`/api/jobs?parentId=${finished.id}`)).status).toBe(404);
  for (const child of children) {
    expect((await alice.get(`/api/jobs/${child.id}`)).status).toBe(404);
    expect(fs.existsSync(path.join(stack.app.dataDir, 'media', child.id))).toBe(false);
  }
});

describe('no side doors for children', () => {
  /** A second process on the same Redis and DATA_DIR with other per-user limits, which the jobs submitted to it carry; stopped after the test. */
  const limitedApp = (env: Record<string, string>): Promise<AppProcess> => stack.startApp({ dataDir: stack.app.dataDir, env });
  const newUser = async (username: string): Promise<string> => (await stack.newUser(username)).token;

  it('children that would start over the byte quota fail storage_full without downloading', async () => {
    stack.server.setBytesPerSecond(250_000);
    // 1 byte of media and one job at a time for jobs submitted there; none of that here.
    const quota = await limitedApp({ USER_MAX_MEDIA_BYTES: '1', USER_MAX_ACTIVE_JOBS: '1' });
    const token = await newUser('carol');
    const viaQuota = api(quota.baseUrl, token);
    const carol = api(stack.app.baseUrl, token);
    // The playlist while carol keeps nothing (a POST over the quota is refused): its children carry her 1 byte…
    const list = await viaQuota.post('/api/jobs', { url: stack.server.url('/quota.html') });
    expect(list.status).toBe(201);
    // …and wait for her one place, which this video takes (its listing takes seconds) and fills once done.
    const video = await carol.post('/api/jobs', { url: stack.server.url('/c1.mp4') });
    expect(video.status).toBe(201);
    expect(await waitForState(carol, video.body.id, ['completed'], 60_000)).toMatchObject({ state: 'completed' });
    const done = await waitForState(carol, list.body.id, ['completed', 'failed', 'cancelled'], 60_000);
    expect(done).toMatchObject({ kind: 'collection', state: 'failed', children: { total: 2, failed: 2 } });
    const children = await childrenOf(carol, list.body.id);
    expect(children.map((c) => [c.state, c.error?.code])).toEqual([['failed', 'storage_full'], ['failed', 'storage_full']]);
    expect(children[0].error!.message).toMatch(/so this one was not downloaded/);
    expect(stack.server.requests.filter((r) => r.includes('quota='))).toEqual([]); // not one byte fetched
    expect((await viaQuota.post('/api/jobs', { url: stack.server.url('/c2.mp4') })).body.code).toBe('storage_full'); // as a POST is
    for (const id of [list.body.id, video.body.id]) expect((await carol.del(`/api/jobs/${id}`)).status).toBe(204);
  }, 120_000);

  it('children over the per-minute limit wait, queued, the next one saying why', async () => {
    stack.server.setBytesPerSecond(undefined);
    // Three a minute: the playlist's own POST, then two of its four children.
    const minute = await limitedApp({ USER_MAX_JOBS_PER_MINUTE: '3' });
    const dave = api(minute.baseUrl, await newUser('dave'));
    const list = await dave.post('/api/jobs', { url: stack.server.url('/minute.html') });
    expect(list.status).toBe(201);
    const children = await waitUntil(async () => {
      const found = await childrenOf(dave, list.body.id);
      return found.length === 4 && /at most 3 jobs a minute/.test(found[2].message) ? found : undefined;
    }, 30_000, 'the third child to say it waits for the minute');
    await sleep(2_000); // nothing else starts within the minute
    const later = await childrenOf(dave, list.body.id);
    expect(later.map((c) => c.state !== 'queued')).toEqual([true, true, false, false]);
    // Every held child says why it waits.
    expect(later.slice(2).map((c) => c.message)).toEqual([children[2].message, children[2].message]);
    expect(later[3].state).toBe('queued');
    expect(stack.server.requests.filter((r) => /minute=[34]/.test(r))).toEqual([]);
    expect((await dave.del(`/api/jobs/${list.body.id}`)).status).toBe(204);
  }, 60_000);
});
