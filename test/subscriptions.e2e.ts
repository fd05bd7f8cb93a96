// Subscriptions on real tools: checked at once and on demand, each check makes jobs only for
// entries it never saw, per user and isolated; capped per user, and held to the owner's limits.
import Redis from 'ioredis';
import type { ApiHelpers } from './support/api';
import { waitForState } from './support/jobs';
import { makeShortClip, writePlaylistPage } from './support/media';
import { useStack } from './support/stack';
import { waitUntil } from './support/util';

const stack = useStack({
  media: {
    standard: false,
    prepare: async (dir) => {
      await Promise.all(['s1.mp4', 's2.mp4', 's3.mp4', 's4.mp4'].map((name, i) => makeShortClip(dir, name, 2, 300 + 100 * i)));
      await writePlaylistPage(dir, 'channel.html', 'A Loopback Channel', ['s1.mp4', 's2.mp4']);
      await writePlaylistPage(dir, 'four.html', 'Four Loopback Clips', ['s1.mp4', 's2.mp4', 's3.mp4', 's4.mp4']);
      await writePlaylistPage(dir, 'full.html', 'Never Listed', ['s3.mp4', 's4.mp4']);
    },
  },
  app: true,
  users: ['alice', 'bob'],
  noToolLeftBehind: true,
});
const alice = stack.as('alice');
const bob = stack.as('bob');

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
  const created = await alice.post('/api/subscriptions', { url: stack.server.url('/channel.html'), format: '480p' });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({
    id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
    url: stack.server.url('/channel.html'),
    format: '480p',
    intervalMinutes: 360,
    lastCheckedAt: null,
    seen: 0,
    lastError: null,
    lastErrorKey: null,
    lastErrorParams: null,
    createdAt: expect.any(String),
  });
  const id = created.body.id;
  const first = await checkedAfter(alice, id, null);
  expect(first).toMatchObject({ seen: 2, lastError: null });
  const firstJobs = await jobsOf(alice);
  expect(firstJobs.map((j) => j.url).sort()).toEqual([stack.server.url('/s1.mp4'), stack.server.url('/s2.mp4')]);
  expect(firstJobs.every((j) => j.kind === 'video' && j.parentId === null && j.format === '480p')).toBe(true);
  for (const job of firstJobs) await waitForState(alice, job.id, ['completed'], 60_000);

  await writePlaylistPage(stack.mediaDir, 'channel.html', 'A Loopback Channel', ['s1.mp4', 's2.mp4', 's3.mp4']);
  const asked = await alice.post(`/api/subscriptions/${id}/check`);
  expect(asked.status).toBe(202);
  const second = await checkedAfter(alice, id, first.lastCheckedAt);
  expect(second.seen).toBe(3);
  const secondJobs = await jobsOf(alice);
  expect(secondJobs).toHaveLength(3);
  const added = secondJobs.filter((j) => !firstJobs.some((f) => f.id === j.id));
  expect(added.map((j) => j.url)).toEqual([stack.server.url('/s3.mp4')]);
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
  const short = await alice.post('/api/subscriptions', { url: stack.server.url('/channel.html'), intervalMinutes: 5 });
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
  const client = new Redis(stack.redis.url);
  const scheduled = () => client.zscore('vp:bull:subscriptions:repeat', sub.id);
  expect(Number(await scheduled())).toBeGreaterThan(Date.now() + 350 * 60_000); // next check in about 360 minutes
  expect((await alice.del(`/api/subscriptions/${sub.id}`)).status).toBe(204);
  expect(await scheduled()).toBeNull();
  await client.quit();
  expect((await alice.get('/api/subscriptions')).body).toEqual({ items: [] });
  expect((await alice.post(`/api/subscriptions/${sub.id}/check`)).status).toBe(404);
  expect(await jobsOf(alice)).toHaveLength(3);
});

describe('caps and limits (USER_MAX_SUBSCRIPTIONS=3, USER_MAX_WEBHOOKS=2, USER_MAX_MEDIA_BYTES=1, USER_MAX_JOBS_PER_MINUTE=2)', () => {
  // Their own app on their own Redis; the media server is the suite's.
  const limited = useStack({
    app: { env: { USER_MAX_SUBSCRIPTIONS: '3', USER_MAX_WEBHOOKS: '2', USER_MAX_MEDIA_BYTES: '1', USER_MAX_JOBS_PER_MINUTE: '2' } },
    users: ['capped', 'full', 'rated'],
    noToolLeftBehind: true,
  });
  const users = { capped: limited.as('capped'), full: limited.as('full'), rated: limited.as('rated') };

  it('creates at most USER_MAX_SUBSCRIPTIONS of 20 parallel POSTs, refuses the same link twice, and frees a place on delete', async () => {
    const who = users.capped;
    // Links that answer 404: their checks fail at once and make nothing.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => who.post('/api/subscriptions', { url: stack.server.url(`/gone-${i}.html`) })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(Array(17).fill('too_many_subscriptions'));
    const listed: Json[] = (await who.get('/api/subscriptions')).body.items;
    expect(listed).toHaveLength(3);

    const fourth = await who.post('/api/subscriptions', { url: stack.server.url('/gone-20.html') });
    expect([fourth.status, fourth.body.code, fourth.body.message]).toEqual([409, 'too_many_subscriptions', 'You can have at most 3 subscriptions; delete one first.']);

    // The same link as the policy normalises it, even at the cap: the answer names the one there is.
    const first = listed[0];
    const again = await who.post('/api/subscriptions', { url: first.url.replace('http://', 'HTTP://') });
    expect([again.status, again.body.code]).toEqual([409, 'already_subscribed']);
    expect(again.body.message).toContain(first.id);

    expect((await who.del(`/api/subscriptions/${first.id}`)).status).toBe(204);
    const back = await who.post('/api/subscriptions', { url: first.url });
    expect(back.status).toBe(201);
    expect(back.body.id).not.toBe(first.id);
    expect((await who.get('/api/subscriptions')).body.items).toHaveLength(3);
  });

  it('refuses a webhook past USER_MAX_WEBHOOKS with 409 too_many_webhooks', async () => {
    for (const i of [1, 2]) expect((await users.capped.post('/api/webhooks', { url: stack.server.url(`/hook-${i}`) })).status).toBe(201);
    const third = await users.capped.post('/api/webhooks', { url: stack.server.url('/hook-3') });
    expect([third.status, third.body.code, third.body.message]).toEqual([409, 'too_many_webhooks', 'You can have at most 2 webhooks; delete one first.']);
  });

  it('removing the account frees its subscriptions and their link index', async () => {
    const client = new Redis(limited.redis.url);
    try {
      expect(await client.hlen(`vp:subscriptions:owner:${users.capped.id}:urls`)).toBe(3);
      expect((await limited.admin.del(`/api/users/${users.capped.id}`)).status).toBe(204);
      expect(await client.exists(`vp:subscriptions:owner:${users.capped.id}`, `vp:subscriptions:owner:${users.capped.id}:urls`)).toBe(0);
    } finally {
      await client.quit();
    }
  });

  it('over the byte quota, a check lists nothing and makes no job: it says why in lastError', async () => {
    const who = users.full;
    const posted = await who.post('/api/jobs', { url: stack.server.url('/s1.mp4') });
    expect(posted.status).toBe(201);
    await waitForState(who, posted.body.id, ['completed'], 60_000);
    const before = stack.server.requests.length;
    const created = await who.post('/api/subscriptions', { url: stack.server.url('/full.html') });
    expect(created.status).toBe(201);
    const checked = await checkedAfter(who, created.body.id, null);
    expect(checked.lastError).toMatch(/^Not checked: your videos use .+ of your 1 bytes; delete some to make room\.$/);
    expect(checked).toMatchObject({ lastErrorKey: 'subscription.over_quota', lastErrorParams: { used: expect.any(String), max: '1 bytes' } });
    expect(checked.seen).toBe(0);
    expect((await jobsOf(who)).map((j) => j.id)).toEqual([posted.body.id]);
    expect(stack.server.requests.slice(before)).toEqual([]); // not even the page
  }, 90_000);

  it('a subscription’s finds carry the owner’s limits: 4 found, 2 start within the minute, the others wait for it', async () => {
    const who = users.rated;
    const created = await who.post('/api/subscriptions', { url: stack.server.url('/four.html') });
    expect(created.status).toBe(201);
    expect((await checkedAfter(who, created.body.id, null)).seen).toBe(4);
    const found = await jobsOf(who);
    expect(found).toHaveLength(4);
    const client = new Redis(limited.redis.url);
    try {
      for (const job of found) expect(await client.hmget(`vp:job:${job.id}`, 'maxActive', 'maxPerMinute', 'maxMediaBytes')).toEqual(['10', '2', '1']);
    } finally {
      await client.quit();
    }
    const started = await waitUntil(async () => {
      const jobs = await jobsOf(who);
      const done = jobs.filter((j) => j.state === 'completed');
      return done.length === 2 ? done : undefined;
    }, 60_000, 'two of the finds to complete');
    const held = (await jobsOf(who)).filter((j) => !started.some((s: Json) => s.id === j.id));
    expect(held.map((j) => j.state)).toEqual(['queued', 'queued']);
    // Each says why it waits.
    for (const job of held) expect(job.message).toBe('Waiting: you can start at most 2 jobs a minute; it starts as soon as the minute allows');
    for (const job of held) expect((await who.del(`/api/jobs/${job.id}`)).status).toBe(204);
  }, 90_000);
});
