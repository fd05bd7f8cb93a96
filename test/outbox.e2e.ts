// The transactional outbox's reading side on a real Redis: the BUILT Outbox (dist/jobs/outbox.js)
// runs in a small node process per "app" (its RedisService is two lines over real ioredis
// connections), with handlers the test chooses; job ends are real writes (JobRecords' Lua), so
// each entry is exactly what the app appends. A handler that fails is retried, a dead consumer's
// entries are claimed by a live one, and trimming never drops what a group has not acknowledged.
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { keys } from '../src/jobs/job-keys';
import { toFailed } from '../src/jobs/job-lifecycle';
import { JobRecords } from '../src/jobs/job-records';
import { REPO_ROOT } from './support/app';
import { RedisHandle, startRedis } from './support/redis';
import { ExitInfo, exitOf, sleep, terminate, trackChild, waitUntil } from './support/util';

/** Outbox's CLAIM_IDLE_MS (src/jobs/outbox.ts): an entry pending this long is taken over. */
const CLAIM_IDLE_MS = 15_000;
/** The contract (DESIGN §2.1): a dead process's entries are claimed by a live one within 30 s. */
const CLAIM_WITHIN_MS = 30_000;

// What the driver does with each entry of a follow-up: acknowledge it, or fail the first time it sees it.
type Behaviour = 'ok' | 'fail-once';

/**
 * One process reading the outbox as the app does: `new Outbox(redisService)`, a handler per
 * follow-up, onApplicationBootstrap(). Prints one JSON line per event; stdin `trim` runs trim().
 */
const DRIVER = `
require('reflect-metadata');
const Redis = require('ioredis');
const { Outbox } = require(process.env.OUTBOX_JS);
const url = process.env.REDIS_URL;
const connect = (name) => {
  const conn = new Redis(url, { maxRetriesPerRequest: null, connectionName: 'outbox-test:' + name });
  conn.on('error', () => undefined);
  return conn;
};
const outbox = new Outbox({ client: connect('commands'), connect });
const say = (what) => process.stdout.write('@@' + JSON.stringify({ ...what, at: Date.now() }) + '\\n');
const failedOnce = new Set();
for (const [group, behaviour] of Object.entries(JSON.parse(process.env.OUTBOX_PLAN))) {
  outbox.handle(group, async (job, entry) => {
    say({ event: 'handling', group, entryId: entry.id, jobId: job.id, state: job.state });
    if (behaviour === 'fail-once' && !failedOnce.has(entry.id)) {
      failedOnce.add(entry.id);
      throw new Error('the receiver is down');
    }
    say({ event: 'handled', group, entryId: entry.id, jobId: job.id, state: job.state });
  });
}
outbox.onApplicationBootstrap().then(() => say({ event: 'ready', consumer: outbox.consumer }));
let input = '';
process.stdin.setEncoding('utf8').on('data', (d) => {
  input += d;
  for (let i; (i = input.indexOf('\\n')) >= 0; ) {
    const command = input.slice(0, i);
    input = input.slice(i + 1);
    if (command === 'trim') outbox.trim().then(() => say({ event: 'trimmed' }), (err) => say({ event: 'trim-failed', message: err.message }));
  }
});
`;

interface DriverLine {
  event: 'ready' | 'handling' | 'handled' | 'trimmed' | 'trim-failed';
  at: number;
  consumer?: string;
  group?: string;
  entryId?: string;
  jobId?: string;
  state?: string;
  message?: string;
}

class OutboxDriver {
  readonly lines: DriverLine[] = [];
  readonly exited: Promise<ExitInfo>;
  /** Its output was read to the end (after an exit, the last lines may still be on their way). */
  private readonly closed: Promise<void>;
  consumer = '';
  private output = '';

  private constructor(readonly proc: ChildProcess) {
    this.exited = exitOf(proc);
    this.closed = new Promise((resolve) => proc.once('close', () => resolve()));
    let pending = '';
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.output += d;
      pending += d;
      for (let i; (i = pending.indexOf('\n')) >= 0; ) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        if (line.startsWith('@@')) this.lines.push(JSON.parse(line.slice(2)) as DriverLine);
      }
    });
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
  }

  static async start(redisUrl: string, plan: Record<string, Behaviour>, env: Record<string, string> = {}): Promise<OutboxDriver> {
    const proc = spawn(process.execPath, ['-e', DRIVER], {
      cwd: REPO_ROOT,
      env: { ...process.env, VIDPIPE_CRASH_AT: '', ...env, REDIS_URL: redisUrl, OUTBOX_JS: path.join(REPO_ROOT, 'dist', 'jobs', 'outbox.js'), OUTBOX_PLAN: JSON.stringify(plan) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    trackChild(proc);
    const driver = new OutboxDriver(proc);
    driver.consumer = (await driver.waitFor('the outbox to start', (l) => l.event === 'ready', 15_000)).consumer as string;
    return driver;
  }

  /** Everything the process wrote (the Outbox's own log lines included). */
  logs(): string {
    return this.output;
  }

  of(event: DriverLine['event'], jobId?: string): DriverLine[] {
    return this.lines.filter((l) => l.event === event && (jobId === undefined || l.jobId === jobId));
  }

  async waitFor(what: string, match: (line: DriverLine) => boolean, timeoutMs: number): Promise<DriverLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n----- driver output -----\n${this.output}`);
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        await this.closed;
        const last = this.lines.find(match);
        if (last) return last;
        throw new Error(`the driver exited before ${what}\n${this.output}`);
      }
      await sleep(50);
    }
  }

  command(line: string): void {
    this.proc.stdin?.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    this.proc.stdin?.end();
    await terminate(this.proc, 'SIGKILL', 5000);
  }
}

/** A Redis, a client and job records of one test, with a way to end jobs (each appends one entry). */
async function setUp() {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const records = new JobRecords({ client });
  const endJob = async (): Promise<string> => {
    const job = await records.create({ ownerId: 'owner-outbox', url: 'https://video.example/a', format: 'best' });
    await records.write(toFailed(job, { code: 'download_failed', message: 'The server closed the connection.' }, new Date()), 'attempt');
    return job.id;
  };
  const pendingOf = async (group: string): Promise<number> => Number(((await client.xpending(keys.outbox, group)) as [number])[0]);
  const drivers: OutboxDriver[] = [];
  const start = async (plan: Record<string, Behaviour>, env?: Record<string, string>) => {
    const driver = await OutboxDriver.start(redis.url, plan, env);
    drivers.push(driver);
    return driver;
  };
  const tearDown = async () => {
    await Promise.all(drivers.map((d) => d.stop()));
    await client.quit();
    await redis.stop();
  };
  return { redis, client, endJob, pendingOf, start, tearDown };
}

/** Runs a test on a Redis of its own, torn down however the test ends. */
async function withSetUp(test: (t: Awaited<ReturnType<typeof setUp>>) => Promise<void>): Promise<void> {
  const t = await setUp();
  try {
    await test(t);
  } finally {
    await t.tearDown();
  }
}

// Concurrent: the two that wait for a claim (≥ 15 s each) wait together.
describe('the outbox', () => {
  it.concurrent('retries a handler that failed: logged with the job id, claimed again once idle, acknowledged only then', () => withSetUp(async (t) => {
    const driver = await t.start({ webhooks: 'fail-once' });
    const failing = await t.endJob();
    const endedAt = Date.now();
    const first = await driver.waitFor('the first try', (l) => l.event === 'handling' && l.jobId === failing, 5_000);
    await waitUntil(async () => driver.logs().includes(`Job ${failing}: webhooks after job.ended failed, will retry: the receiver is down`), 5_000, 'the failure in the log', 100);
    expect(await t.pendingOf('webhooks')).toBe(1); // not acknowledged

    // The failed entry does not hold back the next one (its first try fails too, and is retried too).
    const next = await t.endJob();
    await driver.waitFor('the next entry', (l) => l.event === 'handling' && l.jobId === next, 5_000);
    expect(driver.of('handled', failing)).toEqual([]);

    const retried = await driver.waitFor('the retry', (l) => l.event === 'handled' && l.jobId === failing, CLAIM_WITHIN_MS);
    expect(retried.entryId).toBe(first.entryId);
    expect(retried.at - endedAt).toBeGreaterThanOrEqual(CLAIM_IDLE_MS - 100);
    expect(retried.at - endedAt).toBeLessThanOrEqual(CLAIM_WITHIN_MS);
    await driver.waitFor('the next entry’s retry', (l) => l.event === 'handled' && l.jobId === next, CLAIM_WITHIN_MS);
    await waitUntil(async () => (await t.pendingOf('webhooks')) === 0, 5_000, 'both to be acknowledged', 100);
    // Tried twice, handled once, never again after the acknowledgement.
    await sleep(500);
    expect(driver.of('handling', failing)).toHaveLength(2);
    expect(driver.of('handled', failing)).toHaveLength(1);
  }), 60_000);

  it.concurrent('hands the entries of a consumer that died (handled, not acknowledged) to a live one within 30 s', () => withSetUp(async (t) => {
    // The first process dies right after its handler resolved, before XACK.
    const dying = await t.start({ webhooks: 'ok' }, { VIDPIPE_CRASH_AT: 'outbox.handled:webhooks' });
    const jobId = await t.endJob();
    const endedAt = Date.now();
    const handled = await dying.waitFor('the dying consumer to handle it', (l) => l.event === 'handled' && l.jobId === jobId, 5_000);
    expect(await dying.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(dying.logs()).toContain('crash point outbox.handled:webhooks reached');
    const [[pendingId, owner]] = (await t.client.xpending(keys.outbox, 'webhooks', '-', '+', 10)) as [string, string, number, number][];
    expect([pendingId, owner]).toEqual([handled.entryId, dying.consumer]);

    const live = await t.start({ webhooks: 'ok' });
    const again = await live.waitFor('a live consumer to claim it', (l) => l.event === 'handled' && l.jobId === jobId, CLAIM_WITHIN_MS);
    expect(again.entryId).toBe(handled.entryId);
    expect(again.at - endedAt).toBeLessThanOrEqual(CLAIM_WITHIN_MS);
    await waitUntil(async () => (await t.pendingOf('webhooks')) === 0, 5_000, 'the claimed entry to be acknowledged', 100);
    // A new end reaches the live consumer at once, as before.
    const later = await t.endJob();
    const prompt = await live.waitFor('a new entry', (l) => l.event === 'handled' && l.jobId === later, 5_000);
    expect(prompt.entryId).not.toBe(handled.entryId);
  }), 60_000);

  it.concurrent('trims only what every group acknowledged: never an entry pending or unread in any group', () => withSetUp(async (t) => {
    const driver = await t.start({ webhooks: 'ok' });
    // A second group, read by hand: the follow-up of a process that is slow, or died.
    await t.client.xgroup('CREATE', keys.outbox, 'metrics', '$', 'MKSTREAM');
    const jobs: string[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await t.endJob());
    await waitUntil(async () => driver.of('handled').length === 6 && (await t.pendingOf('webhooks')) === 0, 10_000, 'the webhooks group to acknowledge all six', 100);
    const ids = (await t.client.xrange(keys.outbox, '-', '+')).map(([id]) => id);
    expect(ids).toHaveLength(6);

    const trim = async () => {
      const before = driver.of('trimmed').length;
      driver.command('trim');
      await driver.waitFor('the trim', (l) => (l.event === 'trimmed' && driver.of('trimmed').length > before) || l.event === 'trim-failed', 5_000);
      expect(driver.of('trim-failed')).toEqual([]);
      return (await t.client.xrange(keys.outbox, '-', '+')).map(([id]) => id);
    };

    // metrics: e1..e4 delivered, e1, e2, e4 acknowledged, e3 pending; e5, e6 not read yet.
    const read = (await t.client.xreadgroup('GROUP', 'metrics', 'slow', 'COUNT', 4, 'STREAMS', keys.outbox, '>')) as [string, [string, string[]][]][];
    expect(read[0][1].map(([id]) => id)).toEqual(ids.slice(0, 4));
    await t.client.xack(keys.outbox, 'metrics', ids[0], ids[1], ids[3]);
    expect(await trim()).toEqual(ids.slice(2));
    // The pending entry kept its data: whoever claims it can still handle it.
    const [[, fields]] = await t.client.xrange(keys.outbox, ids[2], ids[2]);
    expect(JSON.parse(fields[fields.indexOf('data') + 1])).toMatchObject({ id: jobs[2], state: 'failed' });

    // A follow-up's group that has read nothing (created at the start of the stream) holds everything.
    await t.client.xgroup('CREATE', keys.outbox, 'collection-roll-up', '0');
    expect(await trim()).toEqual(ids.slice(2));
    await t.client.xgroup('DESTROY', keys.outbox, 'collection-roll-up');
    // A group no follow-up reads any more (left by an older version) holds nothing: the trim below passes it.
    await t.client.xgroup('CREATE', keys.outbox, 'retired', '0');

    // All acknowledged everywhere: everything up to the last entry delivered goes.
    await t.client.xack(keys.outbox, 'metrics', ids[2]);
    const rest = (await t.client.xreadgroup('GROUP', 'metrics', 'slow', 'COUNT', 10, 'STREAMS', keys.outbox, '>')) as [string, [string, string[]][]][];
    expect(rest[0][1].map(([id]) => id)).toEqual(ids.slice(4));
    await t.client.xack(keys.outbox, 'metrics', ids[4], ids[5]);
    const left = await trim();
    // XTRIM MINID keeps the entry at the minimum id itself: the last one delivered may stay.
    expect(left.filter((id) => id !== ids[5])).toEqual([]);

    // The stream goes on: a new end is handled, and trimming keeps it until it is acknowledged by both.
    const later = await t.endJob();
    await driver.waitFor('the new entry', (l) => l.event === 'handled' && l.jobId === later, 5_000);
    const kept = await trim();
    expect(kept).toHaveLength(left.length + 1);
  }), 60_000);
});
