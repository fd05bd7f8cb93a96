// A subscription check killed between two finds (VIDPIPE_CRASH_AT=subscription.find-made#2): after
// a restart on the same Redis and DATA_DIR, every entry seen has exactly one job, none twice.
import Redis from 'ioredis';
import { subscriptionKeys } from '../src/subscriptions/subscription-keys';
import { api, AppProcess, login, startApp } from './support/app';
import { waitForState } from './support/jobs';
import { makeShortClip, writePlaylistPage } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { RedisHandle, startRedis } from './support/redis';
import { makeTempDir, removeDir, waitUntil } from './support/util';

const CLIPS = ['k1.mp4', 'k2.mp4', 'k3.mp4', 'k4.mp4'];

let redis: RedisHandle;
let mediaDir: string;
let dataDir: string;
let server: MediaServer;
const apps: AppProcess[] = [];

beforeAll(async () => {
  [redis, mediaDir, dataDir] = await Promise.all([startRedis(), makeTempDir('crash-subscriptions'), makeTempDir('crash-subscriptions-data')]);
  await Promise.all(CLIPS.map((name, i) => makeShortClip(mediaDir, name, 1, 300 + 100 * i)));
  await writePlaylistPage(mediaDir, 'four.html', 'Four Loopback Clips', CLIPS);
  server = await startMediaServer(mediaDir);
}, 60_000);

afterAll(async () => {
  for (const app of apps) await app.stop();
  expect(apps[apps.length - 1]?.leftBehind).toEqual([]);
  await server?.stop();
  await redis?.stop();
  for (const dir of [mediaDir, dataDir]) if (dir) await removeDir(dir);
});

it('makes each find exactly once when the check dies after the second one', async () => {
  const first = await startApp({ redisUrl: redis.url, dataDir, env: { VIDPIPE_CRASH_AT: 'subscription.find-made#2' } });
  apps.push(first);
  const admin = api(first.baseUrl, (await login(first.baseUrl)).token);
  expect((await admin.post('/api/users', { username: 'carol', password: 'carol-password', role: 'user' })).status).toBe(201);
  const before = api(first.baseUrl, (await login(first.baseUrl, 'carol', 'carol-password')).token);
  const created = await before.post('/api/subscriptions', { url: server.url('/four.html') });
  expect(created.status).toBe(201);
  const id: string = created.body.id;

  // The check at once reaches the second find and the process kills itself there.
  const { signal } = await first.exited;
  expect(signal).toBe('SIGKILL');
  expect(first.logs()).toContain('crash point subscription.find-made reached');
  const client = new Redis(redis.url);
  try {
    expect(await client.scard(subscriptionKeys.seen(id))).toBe(2);

    const second = await startApp({ redisUrl: redis.url, dataDir });
    apps.push(second);
    const carol = api(second.baseUrl, (await login(second.baseUrl, 'carol', 'carol-password')).token);
    expect((await carol.post(`/api/subscriptions/${id}/check`)).status).toBe(202);
    const sub = await waitUntil(async () => {
      const found = ((await carol.get('/api/subscriptions')).body.items as { id: string; seen: number; lastCheckedAt: string | null }[]).find((s) => s.id === id);
      return found && found.seen === 4 && found.lastCheckedAt ? found : undefined;
    }, 30_000, 'the check after the restart');
    expect(sub.seen).toBe(4);

    // Seen ⇔ a job: the seen set and the jobs' links are the same four, each once.
    const jobs: { id: string; url: string }[] = (await carol.get('/api/jobs?limit=100')).body.items;
    const seen = await client.smembers(subscriptionKeys.seen(id));
    expect(jobs.map((j) => j.url).sort()).toEqual(seen.sort());
    expect(new Set(jobs.map((j) => j.url)).size).toBe(4);
    expect(jobs.map((j) => j.url).sort()).toEqual(CLIPS.map((c) => server.url(`/${c}`)).sort());
    for (const job of jobs) await waitForState(carol, job.id, ['completed'], 45_000);
  } finally {
    await client.quit();
  }
}, 120_000);
