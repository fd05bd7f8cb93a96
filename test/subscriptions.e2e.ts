// Subscriptions on real tools: checked at once and on demand, each check makes jobs only for
// entries it never saw, per user and isolated.
import Redis from 'ioredis';
import { api, ApiHelpers, AppProcess, login, startApp } from './support/app';
import { waitForState } from './support/jobs';
import { makeShortClip, writePlaylistPage } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { RedisHandle, startRedis } from './support/redis';
import { makeTempDir, removeDir, waitUntil } from './support/util';

let redis: RedisHandle;
let mediaDir: string;
let server: MediaServer;
let app: AppProcess;
let alice: ApiHelpers;
let bob: ApiHelpers;

beforeAll(async () => {
  [redis, mediaDir] = await Promise.all([startRedis(), makeTempDir('subscriptions')]);
  await Promise.all(['s1.mp4', 's2.mp4', 's3.mp4'].map((name, i) => makeShortClip(mediaDir, name, 2, 300 + 100 * i)));
  await writePlaylistPage(mediaDir, 'channel.html', 'A Loopback Channel', ['s1.mp4', 's2.mp4']);
  server = await startMediaServer(mediaDir);
  app = await startApp({ redisUrl: redis.url });
  const admin = api(app.baseUrl, (await login(app.baseUrl)).token);
  for (const name of ['alice', 'bob']) expect((await admin.post('/api/users', { username: name, password: `${name}-password`, role: 'user' })).status).toBe(201);
  alice = api(app.baseUrl, (await login(app.baseUrl, 'alice', 'alice-password')).token);
  bob = api(app.baseUrl, (await login(app.baseUrl, 'bob', 'bob-password')).token);
}, 90_000);

afterAll(async () => {
  await app?.stop();
  expect(app?.leftBehind).toEqual([]);
  await server?.stop();
  await redis?.stop();
  if (mediaDir) await removeDir(mediaDir);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;


const subscriptionOf = async (who: ApiHelpers, id: string): Promise<Json> =>
  ((await who.get('/api/subscriptions')).body.items as Json[]).find((s) => s.id === id);

/** Waits for a check that ended after `since` (null: any check). */
const checkedAfter = (who: ApiHelpers, id: string, since: string | null) =>
  waitUntil(async () => {
    const sub = await subscriptionOf(who, id);
    return sub?.lastCheckedAt && sub.lastCheckedAt !== since ? sub : undefined;
  }, 30_000, 'a check to end');

const jobsOf = async (who: ApiHelpers): Promise<Json[]> => (await who.get('/api/jobs?limit=100')).body.items;

it('takes the two entries at once, then exactly the one the page gains, on "check now"', async () => {
  const created = await alice.post('/api/subscriptions', { url: server.url('/channel.html'), format: '480p' });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({
    id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
    url: server.url('/channel.html'),
    format: '480p',
    intervalMinutes: 360,
    lastCheckedAt: null,
    seen: 0,
    lastError: null,
    createdAt: expect.any(String),
  });
  const id = created.body.id;
  const first = await checkedAfter(alice, id, null);
  expect(first).toMatchObject({ seen: 2, lastError: null });
  const firstJobs = await jobsOf(alice);
  expect(firstJobs.map((j) => j.url).sort()).toEqual([server.url('/s1.mp4'), server.url('/s2.mp4')]);
  expect(firstJobs.every((j) => j.kind === 'video' && j.parentId === null && j.format === '480p')).toBe(true);
  for (const job of firstJobs) await waitForState(alice, job.id, ['completed'], 60_000);

  await writePlaylistPage(mediaDir, 'channel.html', 'A Loopback Channel', ['s1.mp4', 's2.mp4', 's3.mp4']);
  const asked = await alice.post(`/api/subscriptions/${id}/check`);
  expect(asked.status).toBe(202);
  const second = await checkedAfter(alice, id, first.lastCheckedAt);
  expect(second.seen).toBe(3);
  const secondJobs = await jobsOf(alice);
  expect(secondJobs).toHaveLength(3);
  const added = secondJobs.filter((j) => !firstJobs.some((f) => f.id === j.id));
  expect(added.map((j) => j.url)).toEqual([server.url('/s3.mp4')]);
  await waitForState(alice, added[0].id, ['completed'], 60_000);

  // Nothing new: nothing made.
  expect((await alice.post(`/api/subscriptions/${id}/check`)).status).toBe(202);
  expect((await checkedAfter(alice, id, second.lastCheckedAt)).seen).toBe(3);
  expect(await jobsOf(alice)).toHaveLength(3);
}, 120_000);

it('is its owner’s alone: another user sees, checks and deletes nothing', async () => {
  const [sub] = (await alice.get('/api/subscriptions')).body.items;
  expect((await bob.get('/api/subscriptions')).body).toEqual({ items: [] });
  for (const res of [await bob.post(`/api/subscriptions/${sub.id}/check`), await bob.del(`/api/subscriptions/${sub.id}`)]) {
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
  }
  expect((await bob.post('/api/subscriptions/not-an-id/check')).status).toBe(404);
  expect(await subscriptionOf(alice, sub.id)).toBeDefined();
  expect(await jobsOf(bob)).toEqual([]);
});

it('refuses an interval below the minimum, and a link the job policy refuses, with a sentence', async () => {
  const short = await alice.post('/api/subscriptions', { url: server.url('/channel.html'), intervalMinutes: 5 });
  expect(short.status).toBe(400);
  expect(short.body).toMatchObject({ code: 'interval_too_short', message: 'A subscription is checked at most every 15 minutes; set intervalMinutes to 15 or more.' });
  const ftp = await alice.post('/api/subscriptions', { url: 'ftp://127.0.0.1/channel' });
  expect(ftp.status).toBe(400);
  expect(ftp.body.code).toBe('invalid_url');
  expect((await alice.get('/api/subscriptions')).body.items).toHaveLength(1);
});

it('deleting a subscription keeps the videos it made and checks no more', async () => {
  const [sub] = (await alice.get('/api/subscriptions')).body.items;
  // Its BullMQ job scheduler (BullMQ keeps schedulers in `<prefix>:<queue>:repeat`).
  const client = new Redis(redis.url);
  const scheduled = () => client.zscore('vp:bull:subscriptions:repeat', sub.id);
  expect(Number(await scheduled())).toBeGreaterThan(Date.now() + 350 * 60_000); // next check in about 360 minutes
  expect((await alice.del(`/api/subscriptions/${sub.id}`)).status).toBe(204);
  expect(await scheduled()).toBeNull();
  await client.quit();
  expect((await alice.get('/api/subscriptions')).body).toEqual({ items: [] });
  expect((await alice.post(`/api/subscriptions/${sub.id}/check`)).status).toBe(404);
  expect(await jobsOf(alice)).toHaveLength(3);
});
