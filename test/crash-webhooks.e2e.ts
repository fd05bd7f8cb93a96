// Crash tests of "a job ended, then tell its webhooks" (DESIGN §2.1): the built app SIGKILLs itself
// at a named crash point (VIDPIPE_CRASH_AT), the test restarts it on the same Redis and DATA_DIR
// without it, and every delivery still arrives, at least once, each (webhook, job) under one
// X-Vidpipe-Delivery id however often it was sent, signed with its webhook's secret.
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import Redis from 'ioredis';
import { keys } from '../src/jobs/job-keys';
import { addUser, type ApiHelpers, logInAs } from './support/api';
import { type AppProcess, startApp } from './support/app';
import { waitForState } from './support/jobs';
import { type RedisHandle, startRedis } from './support/redis';
import { urlOf, useStack } from './support/stack';
import { makeTempDir, removeDir, sleep, waitUntil } from './support/util';

const HOOKS = 10; // USER_MAX_WEBHOOKS
/** The contract: entries a dead process left pending are claimed by a live one within 30 s. */
const CLAIM_WITHIN_MS = 30_000;
/**
 * A delivery the kill interrupted mid-send goes again once BullMQ finds its queue entry stalled: with
 * the webhooks worker on BullMQ's defaults (lockDuration 30 s, stalledInterval 30 s), up to ~90 s.
 */
const RESENT_WITHIN_MS = 120_000;

interface Received {
  path: string;
  at: number;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
}

interface Hook {
  id: string;
  path: string;
  secret: string;
}

const stack = useStack({ media: {} });
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  const receiver = await stack.listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', at: Date.now(), headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  base = urlOf(receiver);
});

/** One Redis and one DATA_DIR, kept across the app processes a test starts on them. */
async function cluster() {
  const [redis, dataDir] = await Promise.all([startRedis(), makeTempDir('crash-webhooks')]);
  const direct = new Redis(redis.url);
  const apps: AppProcess[] = [];
  return {
    redis: redis as RedisHandle,
    direct,
    async start(env: Record<string, string> = {}): Promise<AppProcess> {
      const app = await startApp({ redisUrl: redis.url, dataDir, env: { WEBHOOK_RETRY_BASE_MS: '200', ...env } });
      apps.push(app);
      return app;
    },
    /** The `job.ended` entries of the outbox, as [entry id, job id, state]. */
    async outbox(): Promise<[string, string, string][]> {
      return (await direct.xrange(keys.outbox, '-', '+')).map(([id, f]) => {
        const job = JSON.parse(f[f.indexOf('data') + 1]) as { id: string; state: string };
        return [id, job.id, job.state];
      });
    },
    async pending(group: string): Promise<[string, string][]> {
      return ((await direct.xpending(keys.outbox, group, '-', '+', 100)) as [string, string][]).map(([id, consumer]) => [id, consumer]);
    },
    async tearDown(): Promise<void> {
      await Promise.all(apps.map((a) => a.stop()));
      direct.disconnect();
      await redis.stop();
      await removeDir(dataDir);
    },
  };
}

/** A user with HOOKS webhooks to the receiver under /<name>/<i>, each with its own secret. */
async function ownerWithHooks(app: AppProcess, name: string): Promise<{ owner: ApiHelpers; hooks: Hook[] }> {
  const owner = await addUser(await logInAs(app.baseUrl), name);
  const hooks: Hook[] = [];
  for (let i = 0; i < HOOKS; i++) {
    const hook = { path: `/${name}/${i}`, secret: `whsec-${name}-${i}-0123456789abcdef` };
    const res = await owner.post('/api/webhooks', { url: `${base}${hook.path}`, events: ['job.completed'], secret: hook.secret });
    expect(res.status).toBe(201);
    hooks.push({ ...hook, id: res.body.id });
  }
  return { owner, hooks };
}

const hitsOf = (hooks: Hook[]) => received.filter((r) => hooks.some((h) => h.path === r.path));

/** (webhook path, job id) → the deliveries it received. */
function byPair(hits: Received[]): Map<string, Received[]> {
  const pairs = new Map<string, Received[]>();
  for (const hit of hits) {
    const key = `${hit.path} ${(JSON.parse(hit.raw.toString('utf8')) as { job: { id: string } }).job.id}`;
    pairs.set(key, [...(pairs.get(key) ?? []), hit]);
  }
  return pairs;
}

/**
 * Every (webhook, job) got job.completed at least once; repeats carry the first one's delivery id;
 * no two pairs share one; every body is signed with its webhook's secret. Returns the repeats.
 */
function expectEveryDeliveryOnce(hooks: Hook[], jobIds: string[]): number {
  const hits = hitsOf(hooks);
  const pairs = byPair(hits);
  expect([...pairs.keys()].sort()).toEqual(hooks.flatMap((h) => jobIds.map((id) => `${h.path} ${id}`)).sort());
  const ids = new Set<string>();
  for (const [pair, got] of pairs) {
    const deliveryIds = new Set(got.map((g) => g.headers['x-vidpipe-delivery']));
    expect({ pair, deliveryIds: [...deliveryIds] }).toEqual({ pair, deliveryIds: [expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)] });
    ids.add(got[0].headers['x-vidpipe-delivery'] as string);
  }
  expect(ids.size).toBe(pairs.size);
  for (const hit of hits) {
    const hook = hooks.find((h) => h.path === hit.path)!;
    expect(hit.headers['x-vidpipe-event']).toBe('job.completed');
    expect(hit.headers['x-vidpipe-signature']).toBe(`sha256=${createHmac('sha256', hook.secret).update(hit.raw).digest('hex')}`);
    expect(JSON.parse(hit.raw.toString('utf8'))).toMatchObject({ event: 'job.completed', job: { state: 'completed' } });
  }
  return hits.length - pairs.size;
}

// Concurrent (each has its own Redis, DATA_DIR, user and receiver paths): most of their time is waiting.
it.concurrent('a job end written just before a SIGKILL still reaches all 10 webhooks of its owner, and so do the 4 jobs the kill cut short', async () => {
  const c = await cluster();
  try {
    const first = await c.start({ VIDPIPE_CRASH_AT: 'job.final-written' });
    const { hooks, owner } = await ownerWithHooks(first, 'crasha');
    const jobIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await owner.post('/api/jobs', { url: stack.server.url('clip.mp4'), format: '720p' });
      expect(res.status).toBe(201);
      jobIds.push(res.body.id);
    }

    // Killed at the first end: written with its outbox entry, nothing that follows it has run.
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(first.logs()).toContain('crash point job.final-written reached');
    const ended = await c.outbox();
    expect(ended).toHaveLength(1);
    expect(jobIds).toContain(ended[0][1]);
    expect(ended[0][2]).toBe('completed');
    expect(hitsOf(hooks)).toEqual([]);

    const second = await c.start();
    const again = await logInAs(second.baseUrl, 'crasha');
    // The interrupted jobs go on when their stage's lock expires (BullMQ's stalled-job handling).
    for (const id of jobIds) await waitForState(again, id, ['completed'], 75_000);
    await waitUntil(() => byPair(hitsOf(hooks)).size >= HOOKS * jobIds.length, 30_000, `${HOOKS * jobIds.length} (webhook, job) pairs`, 100);
    await sleep(1000); // a repeat, if any, would come now
    const repeats = expectEveryDeliveryOnce(hooks, jobIds);
    // One end per job in the outbox, each handled by the webhooks follow-up and acknowledged.
    expect((await c.outbox()).map(([, id]) => id).sort()).toEqual([...jobIds].sort());
    await waitUntil(async () => (await c.pending('webhooks')).length === 0, 10_000, 'the webhooks follow-up to acknowledge every end', 100);
    // Each delivery is recorded once per webhook (one queue entry per delivery id).
    for (const hook of hooks) {
      const items = (await again.get(`/api/webhooks/${hook.id}/deliveries`)).body.items as { jobId: string; outcome: string }[];
      expect(items.map((d) => d.jobId).sort()).toEqual([...jobIds].sort());
      expect(items.every((d) => d.outcome === 'delivered')).toBe(true);
    }
    process.stdout.write(`crash at job.final-written: ${hitsOf(hooks).length} requests for ${HOOKS * jobIds.length} deliveries (${repeats} repeats)\n`);
  } finally {
    await c.tearDown();
  }
}, 150_000);

it.concurrent('deliveries queued by a follow-up that died before acknowledging: the entry is claimed within 30 s and sent again under the same ids', async () => {
  const c = await cluster();
  try {
    const first = await c.start({ VIDPIPE_CRASH_AT: 'outbox.handled:webhooks' });
    const { hooks, owner } = await ownerWithHooks(first, 'crashb');
    const res = await owner.post('/api/jobs', { url: stack.server.url('clip.mp4'), format: '720p' });
    expect(res.status).toBe(201);
    const jobId: string = res.body.id;

    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const killedAt = Date.now();
    expect(first.logs()).toContain('crash point outbox.handled:webhooks reached');
    // Handled (the deliveries are queued) but not acknowledged: pending for a consumer that is gone.
    const [[entryId, , state]] = await c.outbox();
    expect(state).toBe('completed');
    expect((await c.pending('webhooks')).map(([id]) => id)).toEqual([entryId]);
    const beforeRestart = hitsOf(hooks).length;

    const second = await c.start();
    await waitUntil(async () => (await c.pending('webhooks')).length === 0, CLAIM_WITHIN_MS, 'the entry to be claimed and acknowledged', 100);
    const claimedAfter = Date.now() - killedAt;
    expect(claimedAfter).toBeLessThanOrEqual(CLAIM_WITHIN_MS + 5_000); // + the restart
    await waitUntil(() => byPair(hitsOf(hooks)).size >= HOOKS, RESENT_WITHIN_MS - (Date.now() - killedAt), `${HOOKS} deliveries`, 100);
    await sleep(1000);
    const repeats = expectEveryDeliveryOnce(hooks, [jobId]);
    // Dispatched twice, queued once: one delivery per webhook, under the id of the first dispatch.
    const again = await logInAs(second.baseUrl, 'crashb');
    for (const hook of hooks) {
      const items = (await again.get(`/api/webhooks/${hook.id}/deliveries`)).body.items as { id: string; jobId: string }[];
      expect(items).toHaveLength(1);
      expect(items[0].id).toBe(hitsOf([hook])[0].headers['x-vidpipe-delivery']);
    }
    process.stdout.write(`crash at outbox.handled:webhooks: ${beforeRestart} requests before the restart, ${hitsOf(hooks).length} in all (${repeats} repeats); claimed ${claimedAfter} ms after the kill; deliveries at ${hitsOf(hooks).map((h) => h.at - killedAt).join(' ')} ms\n`);
  } finally {
    await c.tearDown();
  }
}, 180_000);
