// Signed webhooks on the built app: registration under the URL policy, one signed delivery per
// event, retries with backoff under one delivery id, isolation between users. Receivers are
// loopback servers: 127.0.0.1 is allowed (ALLOWED_PRIVATE_ADDRESSES), 127.0.0.2 stands for a
// private address. The sender is also driven directly, to judge addresses when it connects.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { keys } from '../src/jobs/job-keys';
import { sendWebhook } from '../src/webhooks/webhook-sender';
import { webhookKeys } from '../src/webhooks/webhook-keys';
import { WEBHOOKS_QUEUE } from '../src/webhooks/webhook.types';
import type { ApiHelpers } from './support/api';
import { waitForState } from './support/jobs';
import { urlOf, useStack } from './support/stack';
import { sleep, waitUntil } from './support/util';

const RETRY_BASE_MS = 300;
const SECRET = 'a-secret-the-owner-chose-1234';

interface Received {
  path: string;
  at: number;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
}

const stack = useStack({
  media: { servers: { slow: { bytesPerSecond: 100_000 } } },
  app: { env: { ALLOW_PRIVATE_URLS: 'false', ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS) } },
  users: ['hookowner', 'hookother'],
});
const owner = stack.as('hookowner');
const other = stack.as('hookother');
let receiver: http.Server;
let forbidden: http.Server;
let base: string;
const received: Received[] = [];
let forbiddenHits = 0;
let flakyFailures = 2;
const hanging: http.ServerResponse[] = [];

const hits = (p: string) => received.filter((r) => r.path === p);

beforeAll(async () => {
  forbidden = await stack.listen((_req, res) => {
    forbiddenHits++;
    res.end('should never be reached');
  }, '127.0.0.2');
  const forbiddenBase = urlOf(forbidden);
  receiver = await stack.listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, at: Date.now(), headers: req.headers, raw: Buffer.concat(chunks) });
      if (path === '/hang') return void hanging.push(res); // never answers
      if (path === '/flaky' && flakyFailures-- > 0) return void res.writeHead(500).end('down for maintenance');
      if (path === '/redirect') return void res.writeHead(302, { Location: `${forbiddenBase}/steal` }).end();
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('thanks\r\n' + 'x'.repeat(10_000));
    });
  });
  base = urlOf(receiver);
  // A delivery the receiver holds would hold the app's stop: let it go first.
  stack.onTeardown(() => hanging.forEach((res) => res.destroy()), 'before apps');
});

describe('registration', () => {
  it.each([
    ['a private address', 'http://127.0.0.2:8080/hook', 'private_address'],
    ['a metadata address', 'http://169.254.169.254/latest/meta-data', 'private_address'],
    ['localhost', 'http://localhost:8080/hook', 'private_address'],
    ['not http(s)', 'ftp://127.0.0.1/hook', 'invalid_url'],
    ['too long', `https://example.com/${'a'.repeat(2100)}`, 'invalid_url'],
  ])('refuses %s with 400 and a code', async (_, url, code) => {
    const res = await owner.post('/api/webhooks', { url });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
    expect(res.body.message).toEqual(expect.any(String));
  });

  it('refuses unknown events', async () => {
    const res = await owner.post('/api/webhooks', { url: `${base}/ok`, events: ['job.started'] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
  });

  it('answers 201 with a generated secret shown only there; the list never shows it', async () => {
    const res = await other.post('/api/webhooks', { url: `${base}/spare` });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
      url: `${base}/spare`,
      events: ['job.completed', 'job.failed', 'job.cancelled', 'collection.completed'],
      secret: expect.stringMatching(/^whsec_/),
      createdAt: expect.any(String),
    });
    const list = await other.get('/api/webhooks');
    expect(list.body.items).toEqual([{ id: res.body.id, url: res.body.url, events: res.body.events, createdAt: res.body.createdAt }]);
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    expect((await other.del(`/api/webhooks/${res.body.id}`)).status).toBe(204);
  });

  it('allows at most USER_MAX_WEBHOOKS (default 10) per user', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await other.post('/api/webhooks', { url: `${base}/many/${i}`, events: ['collection.completed'] });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const refused = await other.post('/api/webhooks', { url: `${base}/many/10` });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('too_many_webhooks');
    for (const id of ids) await other.del(`/api/webhooks/${id}`);
  });
});

describe('delivery', () => {
  let okHook: { id: string };
  let flakyHook: { id: string };
  let redirectHook: { id: string };
  let completedJob: { id: string };

  beforeAll(async () => {
    okHook = (await owner.post('/api/webhooks', { url: `${base}/ok`, secret: SECRET })).body;
    await owner.post('/api/webhooks', { url: `${base}/hang`, events: ['job.completed'] });
    flakyHook = (await owner.post('/api/webhooks', { url: `${base}/flaky`, events: ['job.cancelled'] })).body;
    redirectHook = (await owner.post('/api/webhooks', { url: `${base}/redirect`, events: ['job.cancelled'] })).body;
    await other.post('/api/webhooks', { url: `${base}/other` });
    const created = await owner.post('/api/jobs', { url: stack.server.url('clip.mp4'), format: '720p' });
    completedJob = await waitForState(owner, created.body.id, ['completed'], 60_000);
  }, 90_000);

  it('sends exactly one signed job.completed, while another receiver hangs', async () => {
    const [hit] = await waitUntil(() => hits('/ok').length > 0 && hits('/ok'), 15_000, 'the /ok delivery');
    // The hanging receiver got its POST too, and holds it: it did not hold this one back.
    expect(hits('/hang')).toHaveLength(1);
    expect(hit.headers['x-vidpipe-event']).toBe('job.completed');
    expect(hit.headers['x-vidpipe-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hit.headers['content-type']).toBe('application/json');
    const expected = `sha256=${createHmac('sha256', SECRET).update(hit.raw).digest('hex')}`;
    expect(hit.headers['x-vidpipe-signature']).toBe(expected);
    const body = JSON.parse(hit.raw.toString('utf8'));
    expect(body.event).toBe('job.completed');
    expect(body.job).toMatchObject({ id: completedJob.id, state: 'completed', result: { fileUrl: `/api/jobs/${completedJob.id}/file` } });
    expect(Date.parse(body.deliveredAt)).toBeGreaterThan(0);
    await sleep(1000);
    expect(hits('/ok')).toHaveLength(1);
  });

  it('lists the delivery with its status, tries, time and a short excerpt of the answer', async () => {
    const res = await owner.get(`/api/webhooks/${okHook.id}/deliveries`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        id: hits('/ok')[0].headers['x-vidpipe-delivery'],
        event: 'job.completed',
        jobId: completedJob.id,
        statusCode: 200,
        attempts: 1,
        outcome: 'delivered',
        at: expect.any(String),
        response: expect.stringMatching(/^thanks x+$/),
      },
    ]);
    expect(res.body.items[0].response.length).toBe(200);
  });

  it("never tells another user's webhook, and hides this one from them", async () => {
    expect(hits('/other')).toHaveLength(0);
    expect((await other.get(`/api/webhooks/${okHook.id}/deliveries`)).status).toBe(404);
    expect((await other.del(`/api/webhooks/${okHook.id}`)).status).toBe(404);
    expect((await other.get('/api/webhooks')).body.items.map((w: { url: string }) => w.url)).toEqual([`${base}/other`]);
  });

  it('retries a failing receiver with backoff under one delivery id, and never follows a redirect to a private address', async () => {
    const created = await owner.post('/api/jobs', { url: stack.servers.slow.url('clip.mp4') });
    await waitForState(owner, created.body.id, ['downloading'], 30_000);
    expect((await owner.post(`/api/jobs/${created.body.id}/cancel`)).status).toBe(200);
    const tries = await waitUntil(() => hits('/flaky').length >= 3 && hits('/flaky'), 15_000, 'three tries of /flaky');
    await sleep(RETRY_BASE_MS * 3);
    expect(hits('/flaky')).toHaveLength(3);
    expect(new Set(tries.map((t) => t.headers['x-vidpipe-delivery'])).size).toBe(1);
    expect(tries.map((t) => t.headers['x-vidpipe-event'])).toEqual(['job.cancelled', 'job.cancelled', 'job.cancelled']);
    // BullMQ's exponential backoff: base, then twice the base.
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(RETRY_BASE_MS);
    expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(2 * RETRY_BASE_MS);
    const flaky = (await owner.get(`/api/webhooks/${flakyHook.id}/deliveries`)).body.items;
    expect(flaky).toEqual([expect.objectContaining({ event: 'job.cancelled', jobId: created.body.id, statusCode: 200, attempts: 3, outcome: 'delivered' })]);

    // The redirect is answered 302 five times over, each time not followed.
    const redirect = await waitUntil(() => hits('/redirect').length >= 5 && hits('/redirect'), 20_000, 'five tries of /redirect');
    expect(redirect).toHaveLength(5);
    let redirected: { outcome: string }[] = [];
    for (let i = 0; i < 40 && redirected[0]?.outcome !== 'failed'; i++, await sleep(50)) {
      redirected = (await owner.get(`/api/webhooks/${redirectHook.id}/deliveries`)).body.items;
    }
    expect(redirected).toEqual([expect.objectContaining({ statusCode: 302, attempts: 5, outcome: 'failed' })]);
    expect(forbiddenHits).toBe(0);
  }, 60_000);

  it('deletes a webhook with its deliveries', async () => {
    expect((await owner.del(`/api/webhooks/${flakyHook.id}`)).status).toBe(204);
    expect((await owner.get(`/api/webhooks/${flakyHook.id}/deliveries`)).status).toBe(404);
    expect((await owner.del(`/api/webhooks/${flakyHook.id}`)).status).toBe(404);
  });

  it("removes an account's webhooks with the account", async () => {
    const direct = new Redis(stack.redis.url);
    try {
      expect(await direct.hlen(webhookKeys.ofUser(other.id))).toBe(1);
      expect((await stack.admin.del(`/api/users/${other.id}`)).status).toBe(204);
      expect(await direct.exists(webhookKeys.ofUser(other.id))).toBe(0);
    } finally {
      direct.disconnect();
    }
  });
});

describe('the sender judges the address when it connects', () => {
  const opts = { allowPrivate: false, allowAddresses: ['127.0.0.1'], timeoutMs: 2000 };

  it('refuses a name that resolves to a private address now, though it passed before', async () => {
    const before = forbiddenHits;
    const url = `http://hooks.example:${(forbidden.address() as AddressInfo).port}/x`;
    expect(await sendWebhook(url, '{}', {}, { ...opts, lookup: async () => ['127.0.0.2'] })).toEqual({
      kind: 'refused',
      reason: 'hooks.example (127.0.0.2) is not a public address',
    });
    // One private answer among several is enough to refuse.
    expect((await sendWebhook(url, '{}', {}, { ...opts, lookup: async () => ['127.0.0.1', '127.0.0.2'] })).kind).toBe('refused');
    expect(forbiddenHits).toBe(before);
  });

  it('connects to the address it judged, not to a second answer', async () => {
    const url = `http://hooks.example:${(receiver.address() as AddressInfo).port}/judged`;
    const outcome = await sendWebhook(url, '{"a":1}', { 'X-Test': '1' }, { ...opts, lookup: async () => ['127.0.0.1'] });
    expect(outcome).toMatchObject({ kind: 'answered', status: 200 });
    expect(hits('/judged')[0].headers.host).toBe(`hooks.example:${(receiver.address() as AddressInfo).port}`);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const started = Date.now();
    const outcome = await sendWebhook(`${base}/hang`, '{}', {}, { ...opts, timeoutMs: 500 });
    expect(outcome).toEqual({ kind: 'error', reason: 'no answer within 0.5 s' });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('delivery ids: at least once, one id per end', () => {
  let once: ApiHelpers;
  let direct: Redis;
  const deliveryIds = (p: string) => hits(p).map((h) => h.headers['x-vidpipe-delivery'] as string);
  const bodies = (p: string) => hits(p).map((h) => JSON.parse(h.raw.toString('utf8')) as { event: string; job: { id: string; attempt: number } });

  /** The webhooks follow-up reads the outbox again from just before this job's end, as a process does that claims it after a crash. */
  async function dispatchAgain(jobId: string): Promise<void> {
    const entries = await direct.xrange(keys.outbox, '-', '+');
    const index = entries.findIndex(([, f]) => (JSON.parse(f[f.indexOf('data') + 1]) as { id: string }).id === jobId);
    expect(index).toBeGreaterThanOrEqual(0);
    const newest = entries[entries.length - 1][0];
    await direct.xgroup('SETID', keys.outbox, 'webhooks', index > 0 ? entries[index - 1][0] : '0-0');
    for (let waited = 0; ; waited += 50) {
      const groups = ((await direct.xinfo('GROUPS', keys.outbox)) as unknown[][]).map((g) => Object.fromEntries(g.flatMap((v, i) => (i % 2 ? [] : [[v, g[i + 1]]]))));
      const webhooks = groups.find((g) => g.name === 'webhooks');
      if (webhooks?.['last-delivered-id'] === newest && Number(webhooks.pending) === 0) return;
      if (waited > 10_000) throw new Error(`the webhooks follow-up did not read the end again: ${JSON.stringify(webhooks)}`);
      await sleep(50);
    }
  }

  beforeAll(async () => {
    once = await stack.newUser('hookonce');
    direct = stack.connectRedis();
  });

  it('gives each webhook of an end its own id, and the end of a retried attempt a new one', async () => {
    for (const name of ['a', 'b']) expect((await once.post('/api/webhooks', { url: `${base}/once/${name}`, events: ['job.cancelled'] })).status).toBe(201);
    const { id } = (await once.post('/api/jobs', { url: stack.servers.slow.url('clip.mp4') })).body;
    for (const attempt of [1, 2]) {
      if (attempt === 2) expect((await once.post(`/api/jobs/${id}/retry`)).status).toBe(200);
      await waitForState(once, id, ['downloading'], 30_000);
      expect((await once.post(`/api/jobs/${id}/cancel`)).status).toBe(200);
      await waitUntil(() => hits('/once/a').length >= attempt && hits('/once/b').length >= attempt, 15_000, `attempt ${attempt}'s deliveries`);
    }
    await sleep(500);
    expect(bodies('/once/a').map((b) => [b.event, b.job.id, b.job.attempt])).toEqual([['job.cancelled', id, 1], ['job.cancelled', id, 2]]);
    expect(bodies('/once/b').map((b) => b.job.attempt)).toEqual([1, 2]);
    const ids = [...deliveryIds('/once/a'), ...deliveryIds('/once/b')];
    expect(new Set(ids).size).toBe(4);
    for (const deliveryId of ids) expect(deliveryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }, 90_000);

  it('adds nothing when the same end is dispatched again while the first delivery is kept, and otherwise sends it again under the same id', async () => {
    const hook = (await once.post('/api/webhooks', { url: `${base}/once/c`, events: ['job.completed'] })).body;
    const created = await once.post('/api/jobs', { url: stack.server.url('clip.mp4'), format: '720p' });
    await waitForState(once, created.body.id, ['completed'], 60_000);
    const [first] = await waitUntil(() => hits('/once/c').length > 0 && hits('/once/c'), 15_000, 'the delivery');
    const deliveryId = first.headers['x-vidpipe-delivery'] as string;

    // Dispatched again (a process died after queueing, before acknowledging): the kept entry makes it a no-op.
    await dispatchAgain(created.body.id);
    await sleep(1000);
    expect(hits('/once/c')).toHaveLength(1);

    // The kept entry gone (after a day): the same delivery goes again, under the same id, signed the same way.
    const connection = direct.duplicate({ maxRetriesPerRequest: null });
    const queue = new Queue(WEBHOOKS_QUEUE, { connection, prefix: 'vp:bull' });
    try {
      expect(await queue.getJobState(deliveryId)).toBe('completed');
      await queue.remove(deliveryId);
      await dispatchAgain(created.body.id);
      const again = await waitUntil(() => hits('/once/c').length > 1 && hits('/once/c'), 15_000, 'the delivery sent again');
      expect(deliveryIds('/once/c')).toEqual([deliveryId, deliveryId]);
      expect(again[1].headers['x-vidpipe-event']).toBe('job.completed');
      expect(bodies('/once/c').map((b) => b.job)).toEqual([bodies('/once/c')[0].job, bodies('/once/c')[0].job]);
    } finally {
      await queue.close();
      connection.disconnect(); // a connection given to BullMQ stays the giver's to close
    }
    // Recorded as one delivery, tried again.
    const items = (await once.get(`/api/webhooks/${hook.id}/deliveries`)).body.items;
    expect(items).toEqual([expect.objectContaining({ id: deliveryId, jobId: created.body.id, outcome: 'delivered' })]);
  }, 90_000);
});
