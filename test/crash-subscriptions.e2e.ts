// A subscription check killed between two finds (VIDPIPE_CRASH_AT=subscription.find-made#2): after
// a restart on the same Redis and DATA_DIR, every entry seen has exactly one job, none twice.
import Redis from 'ioredis';
import { subscriptionKeys } from '../src/subscriptions/subscription-keys';
import { addUser, logInAs } from './support/api';
import { waitForState } from './support/jobs';
import { makeShortClip, writePlaylistPage } from './support/media';
import { useStack } from './support/stack';
import { waitUntil } from './support/util';

const CLIPS = ['k1.mp4', 'k2.mp4', 'k3.mp4', 'k4.mp4'];

const stack = useStack({
  redis: true,
  dataDir: true,
  media: {
    standard: false,
    prepare: async (dir) => {
      await Promise.all(CLIPS.map((name, i) => makeShortClip(dir, name, 1, 300 + 100 * i)));
      await writePlaylistPage(dir, 'four.html', 'Four Loopback Clips', CLIPS);
    },
  },
  noToolLeftBehind: true,
});

it('makes each find exactly once when the check dies after the second one', async () => {
  const first = await stack.startApp({ env: { VIDPIPE_CRASH_AT: 'subscription.find-made#2' } });
  const before = await addUser(await logInAs(first.baseUrl), 'carol');
  const created = await before.post('/api/subscriptions', { url: stack.server.url('/four.html') });
  expect(created.status).toBe(201);
  const id: string = created.body.id;

  // The check at once reaches the second find and the process kills itself there.
  const { signal } = await first.exited;
  expect(signal).toBe('SIGKILL');
  expect(first.logs()).toContain('crash point subscription.find-made reached');
  const client = new Redis(stack.redis.url);
  try {
    expect(await client.scard(subscriptionKeys.seen(id))).toBe(2);

    const second = await stack.startApp();
    const carol = await logInAs(second.baseUrl, 'carol');
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
    expect(jobs.map((j) => j.url).sort()).toEqual(CLIPS.map((c) => stack.server.url(`/${c}`)).sort());
    for (const job of jobs) await waitForState(carol, job.id, ['completed'], 45_000);
  } finally {
    await client.quit();
  }
}, 120_000);
