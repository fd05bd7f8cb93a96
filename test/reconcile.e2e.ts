// The reconciler: on a healthy system it finds nothing; after a process was SIGKILLed between a
// write and what follows it (a named crash point), a restarted process finds what was left and
// repairs it: a child given its place but never queued, a deleted job's media, a removed account's
// jobs, a subscription stored without its scheduled checks.
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { addUser, type ApiHelpers, logInAs } from './support/api';
import type { AppProcess } from './support/app';
import { putCookiesAt } from './support/cookies';
import { makeShortClip, writePlaylistPage } from './support/media';
import { useStack } from './support/stack';
import { sleep, waitUntil } from './support/util';

// One place per user: a collection's second child waits on the owner's waiting list.
const LIMITS = { USER_MAX_ACTIVE_JOBS: '1', RECONCILE_SECONDS: '1' };

const stack = useStack({
  media: {
    standard: false,
    prepare: async (dir) => {
      await Promise.all([makeShortClip(dir, 'r1.mp4', 2, 300), makeShortClip(dir, 'r2.mp4', 2, 500)]);
      await writePlaylistPage(dir, 'two.html', 'Two Clips', ['r1.mp4', 'r2.mp4']);
      await Promise.all([makeShortClip(dir, 's1.mp4', 30, 300), makeShortClip(dir, 's2.mp4', 30, 500)]);
      await writePlaylistPage(dir, 'slow.html', 'Two Slow Clips', ['s1.mp4', 's2.mp4']);
    },
    /** Slow enough that a child is still downloading when its collection is cancelled. */
    servers: { slow: { bytesPerSecond: 40_000 } },
  },
});

/** A Redis and a data folder of the test's own: what one process leaves, the next one finds. */
async function world() {
  const [redis, dataDir] = await Promise.all([stack.startRedis(), stack.tempDir('reconcile-data')]);
  const start = (env: Record<string, string> = {}) => stack.startApp({ redisUrl: redis.url, dataDir, env: { ...LIMITS, ...env } });
  return { redis, dataDir, start };
}

async function userOn(app: AppProcess, name: string): Promise<{ http: ApiHelpers; id: string; token: string }> {
  const person = await addUser(await logInAs(app.baseUrl), name);
  return { http: person, id: person.id, token: person.token };
}

async function repairsIn(app: AppProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^vidpipe_repairs_total\{kind="([a-z_]+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** The counters are written at the end of a reconciler's run, a moment after the repairs people see. */
async function repairsOnce(app: AppProcess, kinds: string[]): Promise<Record<string, number>> {
  return waitUntil(async () => {
    const repairs = await repairsIn(app);
    return kinds.every((k) => (repairs[k] ?? 0) >= 1) ? repairs : null;
  }, 15_000, `repairs counted: ${kinds.join(', ')}`);
}

const completed = async (http: ApiHelpers, id: string) => {
  const { body } = await http.get(`/api/jobs/${id}`);
  if (body.state === 'failed' || body.state === 'cancelled') throw new Error(`job ${id} ended ${body.state}: ${JSON.stringify(body.error)}`);
  return body.state === 'completed' ? body : null;
};

/** The process dies at the crash point, during the request or in what follows it (a cut connection rejects). */
async function diesDuring(app: AppProcess, point: string, request: () => Promise<unknown>): Promise<void> {
  await request().catch(() => undefined);
  const exit = await Promise.race([app.exited, sleep(60_000).then(() => null)]);
  if (!exit) throw new Error(`the process did not reach crash point ${point}`);
  expect(exit.signal).toBe('SIGKILL');
  expect(app.logs()).toContain(`crash point ${point} reached`);
}

it('finds nothing to repair while a collection and a video run and end normally', async () => {
  const { redis, start } = await world();
  const app = await start();
  const { http } = await userOn(app, 'carol');
  // One place: the video first, then the collection (whose children wait for it in turn).
  const video = await http.post('/api/jobs', { url: stack.server.url('/r1.mp4') });
  expect(video.status).toBe(201);
  await waitUntil(() => completed(http, video.body.id), 60_000, 'the video to complete');
  const collection = await http.post('/api/jobs', { url: stack.server.url('/two.html') });
  expect(collection.status).toBe(201);
  await waitUntil(() => completed(http, collection.body.id), 90_000, 'the collection to complete');
  expect((await http.post('/api/subscriptions', { url: stack.server.url('/two.html'), intervalMinutes: 60 })).status).toBe(201);
  await sleep(3000); // three more runs of the reconciler, each second
  const client = new Redis(redis.url);
  const runs = await client.zcard('vp:bull:reconcile:completed');
  client.disconnect();
  expect(runs).toBeGreaterThanOrEqual(3); // it did look, every second
  expect(await repairsIn(app)).toEqual({});
  expect(app.logs()).not.toMatch(/\(repaired: /);
}, 150_000);

it('starts a child that a SIGKILL left with its place but never queued, and the collection completes', async () => {
  const { start } = await world();
  const crashing = await start({ VIDPIPE_CRASH_AT: 'waiting.released' });
  const { http: dave } = await userOn(crashing, 'dave');
  let id = '';
  // The listing gives the first child the one place, and the process dies before queueing it.
  await diesDuring(crashing, 'waiting.released', async () => {
    const { status, body } = await dave.post('/api/jobs', { url: stack.server.url('/two.html') });
    expect(status).toBe(201);
    id = body.id;
  });

  const app = await start();
  const http = await logInAs(app.baseUrl, 'dave');
  const done = await waitUntil(() => completed(http, id), 120_000, 'the collection to complete after the restart');
  expect(done.kind).toBe('collection');
  const children = (await http.get(`/api/jobs?parentId=${id}`)).body.items;
  expect(children.map((c: { state: string }) => c.state)).toEqual(['completed', 'completed']);
  expect((await repairsOnce(app, ['orphaned_job'])).orphaned_job).toBeGreaterThanOrEqual(1);
  const repaired = /Job (\S+): queued with no queue entry: queued again \(repaired: orphaned_job\)/.exec(app.logs());
  expect(children.map((c: { id: string }) => c.id)).toContain(repaired?.[1]);
}, 180_000);

it('removes the media of a job whose delete a SIGKILL cut short, and all a removed account owned', async () => {
  const { redis, dataDir, start } = await world();
  const first = await start({ VIDPIPE_CRASH_AT: 'job.removed' });
  const { http, id: erinId, token: erinToken } = await userOn(first, 'erin');
  // What else an account owns, each in its own aggregate: cookies, a webhook, a subscription (whose check finds nothing).
  expect((await putCookiesAt(first, erinToken, '# Netscape HTTP Cookie File\n.example.com\tTRUE\t/\tFALSE\t0\tsid\tsecret-sid-value-1\n')).status).toBe(204);
  expect((await http.post('/api/webhooks', { url: stack.server.url('/hook') })).status).toBe(201);
  expect((await http.post('/api/subscriptions', { url: stack.server.url('/missing.html'), intervalMinutes: 60 })).status).toBe(201);
  const keysOf = async (id: string) => {
    const client = new Redis(redis.url);
    try {
      return (await client.keys('vp:*')).filter((k) => k.includes(id) && !k.startsWith('vp:bull:')).sort();
    } finally {
      client.disconnect();
    }
  };
  expect((await keysOf(erinId)).length).toBeGreaterThanOrEqual(4); // user, cookies, webhooks, subscriptions, sessions, jobs…
  const ids: string[] = [];
  for (const clip of ['/r1.mp4', '/r2.mp4']) {
    const { body } = await http.post('/api/jobs', { url: stack.server.url(clip) });
    await waitUntil(() => completed(http, body.id), 60_000, 'a job to complete');
    ids.push(body.id);
  }
  const mediaOf = (id: string) => path.join(dataDir, 'media', id);
  expect(ids.map((id) => fs.existsSync(mediaOf(id)))).toEqual([true, true]);
  // The record goes, then the process dies before the files do.
  await diesDuring(first, 'job.removed', () => http.del(`/api/jobs/${ids[0]}`));
  expect(fs.existsSync(mediaOf(ids[0]))).toBe(true);

  // The account goes, then the process dies before its jobs do.
  const second = await start({ VIDPIPE_CRASH_AT: 'account.removed' });
  const admin2 = await logInAs(second.baseUrl);
  await diesDuring(second, 'account.removed', () => admin2.del(`/api/users/${erinId}`));

  const app = await start();
  const root = await logInAs(app.baseUrl);
  await waitUntil(() => !fs.existsSync(mediaOf(ids[0])) && !fs.existsSync(mediaOf(ids[1])), 30_000, 'both media folders to go');
  await waitUntil(async () => (await root.get(`/api/jobs/${ids[1]}`)).status === 404, 10_000, 'the removed account’s job to go');
  const repairs = await repairsOnce(app, ['orphaned_media', 'removed_account']);
  expect(repairs.orphaned_media).toBe(1); // the deleted job's (the account's job went with its own media)
  expect(repairs.removed_account).toBe(1);
  expect((await root.get('/api/users')).body.items.map((u: { username: string }) => u.username)).not.toContain('erin');
  expect(await keysOf(erinId)).toEqual([]); // no session, cookies, webhook, subscription or job of hers is left
}, 180_000);

it('schedules the checks of a subscription a SIGKILL stored without them', async () => {
  const { start } = await world();
  const crashing = await start({ VIDPIPE_CRASH_AT: 'subscription.created' });
  const { http } = await userOn(crashing, 'frank');
  await diesDuring(crashing, 'subscription.created', () => http.post('/api/subscriptions', { url: stack.server.url('/two.html'), intervalMinutes: 60 }));

  const app = await start();
  const frank = await logInAs(app.baseUrl, 'frank');
  const [sub] = (await frank.get('/api/subscriptions')).body.items;
  expect(sub.lastCheckedAt).toBeNull(); // stored, never checked
  const checked = await waitUntil(async () => {
    const [now] = (await frank.get('/api/subscriptions')).body.items;
    return now.lastCheckedAt && now.seen === 2 ? now : null;
  }, 60_000, 'the subscription to be checked');
  expect(checked.lastError).toBeNull();
  expect((await repairsOnce(app, ['unscheduled_subscription'])).unscheduled_subscription).toBe(1);
}, 150_000);

it('gives back a place a SIGKILL left reserved for a job that was never written', async () => {
  const { start } = await world();
  const crashing = await start({ VIDPIPE_CRASH_AT: 'job.reserved' });
  const { http } = await userOn(crashing, 'hank');
  await diesDuring(crashing, 'job.reserved', () => http.post('/api/jobs', { url: stack.server.url('/r1.mp4') }));

  const app = await start();
  const hank = await logInAs(app.baseUrl, 'hank');
  expect((await hank.get('/api/jobs')).body.items).toEqual([]); // the job was never made
  // Its one place is free again: a new job is accepted (not 429 too_many_jobs) and runs.
  const made = await waitUntil(async () => {
    const res = await hank.post('/api/jobs', { url: stack.server.url('/r1.mp4') });
    return res.status === 201 ? res.body : null;
  }, 15_000, 'a POST to be accepted');
  await waitUntil(() => completed(hank, made.id), 60_000, 'the job to complete');
  expect((await repairsOnce(app, ['stale_place'])).stale_place).toBe(1);
  expect(app.logs()).toMatch(/held a place with no job: given back \(repaired: stale_place\)/);
}, 120_000);

it('stops the children of a collection whose cancel a SIGKILL cut short', async () => {
  const { start } = await world();
  const crashing = await start({ VIDPIPE_CRASH_AT: 'job.cancelled' });
  const { http } = await userOn(crashing, 'gina');
  const { body: collection } = await http.post('/api/jobs', { url: stack.servers.slow.url('/slow.html') });
  const running = await waitUntil(async () => {
    const children = (await http.get(`/api/jobs?parentId=${collection.id}`)).body.items ?? [];
    return children.length === 2 && children[0].state === 'downloading' ? children : null;
  }, 60_000, 'the first child to download while the second waits');
  expect(running[1].state).toBe('queued');
  // The collection is written cancelled, then the process dies before stopping its children.
  await diesDuring(crashing, 'job.cancelled', () => http.post(`/api/jobs/${collection.id}/cancel`));

  const app = await start();
  const gina = await logInAs(app.baseUrl, 'gina');
  expect((await gina.get(`/api/jobs/${collection.id}`)).body.state).toBe('cancelled');
  let last: { id: string; state: string; message: string }[] = [];
  const ended = await waitUntil(async () => {
    last = (await gina.get(`/api/jobs?parentId=${collection.id}`)).body.items;
    return last.every((c) => c.state === 'cancelled') ? last : null;
  }, 60_000, 'both children to be cancelled with their collection').catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(last.map((c) => [c.id, c.state, c.message]))}\n${app.logs().slice(-4000)}`);
  });
  expect(ended).toHaveLength(2);
  expect((await repairsOnce(app, ['orphaned_job'])).orphaned_job).toBeGreaterThanOrEqual(1);
  expect(app.logs()).toMatch(new RegExp(`Job ${running[0].id}: its collection had ended: stopped with it`));
}, 150_000);
