// The job records and the lifecycle on a real Redis, without the app: the guards that keep a
// slow worker from overwriting a cancel, the one `job.ended` entry the ending write appends to the
// outbox stream (read back with XRANGE), the quota reservations.
import Redis from 'ioredis';
import { channels, keys } from '../src/jobs/job-keys';
import { toCancelled, toCollection, toCompleted, toFailed, toRetried } from '../src/jobs/job-lifecycle';
import { JobLimits, JobRecords, NO_LIMITS } from '../src/jobs/job-records';
import type { JobSnapshot } from '../src/jobs/job.types';
import { useStack } from './support/stack';
import { sleep } from './support/util';

const stack = useStack({ redis: true });
let client: Redis;
let records: JobRecords;
beforeAll(() => {
  client = stack.connectRedis();
  records = new JobRecords({ client });
});

interface OutboxRow {
  id: string;
  type: string;
  job: JobSnapshot;
}

/** Every entry of the outbox stream, oldest first, its snapshot parsed. */
async function outbox(): Promise<OutboxRow[]> {
  const rows = await client.xrange(keys.outbox, '-', '+');
  return rows.map(([id, flat]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]] = flat[i + 1];
    return { id, type: f.type, job: JSON.parse(f.data) as JobSnapshot };
  });
}

/** The `job.ended` entries about one job (or collection). */
async function endsOf(jobId: string): Promise<JobSnapshot[]> {
  return (await outbox()).filter((r) => r.type === 'job.ended' && r.job.id === jobId).map((r) => r.job);
}

const newJob = (ownerId = 'owner-1') => records.create({ ownerId, url: 'https://video.example/a', format: 'best' });
const downloading = (job: JobSnapshot): JobSnapshot => ({ ...job, state: 'downloading', message: 'Downloading' });
const failure = { code: 'download_failed' as const, message: 'The server closed the connection.' };
const result = (sizeBytes = 10) => ({ playlistUrl: '/media/x/master.m3u8', posterUrl: null, renditions: [], sizeBytes, durationSec: 1, videoCopied: true });

describe('a job written by a worker and cancelled by a person', () => {
  it('keeps the cancel: the worker’s later write is refused, and the outbox holds one end, the cancel', async () => {
    const job = await newJob();
    const running = await records.write(downloading(job), 'attempt');
    expect(running?.seq).toBe(2);
    expect(await endsOf(job.id)).toEqual([]); // a write that does not end the job appends nothing
    const cancelled = await records.transition(job.id, 'active', (current) => toCancelled(current, new Date()));
    expect(cancelled).toMatchObject({ state: 'cancelled', seq: 3, progress: { speedBps: null } });
    expect(await endsOf(job.id)).toEqual([cancelled]); // the snapshot as published, with its seq
    // Refused by the guard: nothing stored, nothing appended.
    expect(await records.write({ ...downloading(job), progress: { ...job.progress, percent: 40 } }, 'attempt')).toBeNull();
    expect(await records.write(toFailed(downloading(job), failure, new Date()), 'attempt')).toBeNull();
    expect(await records.transition(job.id, 'active', (current) => toCancelled(current, new Date()))).toBeNull();
    expect(await records.get(job.id)).toMatchObject({ state: 'cancelled', seq: 3 });
    expect(await endsOf(job.id)).toEqual([cancelled]);
  });

  it('appends one end when a cancel and a failure race for it: the one that won', async () => {
    const job = await newJob();
    await records.write(downloading(job), 'attempt');
    const [cancel, fail] = await Promise.all([
      records.transition(job.id, 'active', (current) => toCancelled(current, new Date())),
      records.write(toFailed(downloading(job), failure, new Date()), 'attempt'),
    ]);
    const winners = [cancel, fail].filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(await endsOf(job.id)).toEqual(winners);
    expect(winners[0]?.state).toBe((await records.get(job.id))?.state);
  });

  it('publishes every stored change with a seq one above the last', async () => {
    const subscriber = new Redis(stack.redis.url);
    const messages: JobSnapshot[] = [];
    // Listening, and subscribed, before the job exists: its creation (seq 1) is published at once.
    subscriber.on('message', (_channel: string, message: string) => messages.push(JSON.parse(message) as JobSnapshot));
    await subscriber.subscribe(channels.jobEvents);
    const job = await newJob();
    await records.write(downloading(job), 'attempt');
    const completed = await records.write(toCompleted(downloading(job), result(), 'Ready', new Date()), 'attempt');
    await sleep(100);
    await subscriber.quit();
    expect(messages.filter((e) => e.id === job.id).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await endsOf(job.id)).toEqual([completed]);
    // What the outbox carries is exactly what was published with the end.
    expect(messages.find((e) => e.id === job.id && e.seq === 3)).toEqual(completed);
  });

  it('appends the end in the same step as the write: its entry always carries the stored seq', async () => {
    const jobs = await Promise.all(Array.from({ length: 20 }, () => newJob('owner-many')));
    await Promise.all(jobs.map((job) => records.write(downloading(job), 'attempt')));
    await Promise.all(jobs.map((job, i) => (i % 2 ? records.write(toCompleted(downloading(job), result(), 'Ready', new Date()), 'attempt') : records.transition(job.id, 'active', (c) => toCancelled(c, new Date())))));
    for (const job of jobs) {
      const stored = await records.get(job.id);
      expect(await endsOf(job.id)).toEqual([stored]);
    }
  });
});

describe('a retry', () => {
  it('starts a new attempt from nothing, and the old attempt can no longer write', async () => {
    const job = await newJob();
    const failed = await records.write(toFailed(downloading(job), failure, new Date()), 'attempt');
    expect(await endsOf(job.id)).toEqual([failed]);
    const retried = await records.transition(job.id, 'ended', toRetried);
    expect(retried).toMatchObject({ state: 'queued', attempt: 2, progress: { percent: 0 }, finishedAt: null });
    expect(retried?.error).toBeUndefined();
    expect(await records.write(downloading(failed as JobSnapshot), 'attempt', 1)).toBeNull();
    // Retrying what is already queued again is refused.
    expect(await records.transition(job.id, 'ended', toRetried)).toBeNull();
    // The retry itself ends nothing.
    expect(await endsOf(job.id)).toEqual([failed]);
  });

  it('appends a second end when the retried attempt ends, with its attempt', async () => {
    const job = await newJob();
    const failed = (await records.write(toFailed(downloading(job), failure, new Date()), 'attempt'))!;
    const retried = (await records.transition(job.id, 'ended', toRetried))!;
    await records.write(downloading(retried), 'attempt');
    // The first attempt, still running somewhere, cannot end the second.
    expect(await records.write(toCompleted(downloading(failed), result(), 'Ready', new Date()), 'attempt', 1)).toBeNull();
    const completed = await records.write(toCompleted(downloading(retried), result(), 'Ready', new Date()), 'attempt');
    const ends = await endsOf(job.id);
    expect(ends).toEqual([failed, completed]);
    expect(ends.map((e) => [e.attempt, e.state])).toEqual([[1, 'failed'], [2, 'completed']]);
  });
});

describe('quotas', () => {
  it('lets exactly the allowed number of parallel reservations through', async () => {
    const owner = 'owner-quota';
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => records.reserve(owner, `job-${i}`, { maxActive: 3, maxPerMinute: 0 })),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 'too_many_jobs')).toHaveLength(7);
  });

  it('gives back a completed job’s media bytes when it is removed', async () => {
    const job = await newJob();
    const before = await records.mediaBytesOf(job.ownerId);
    await records.write(toCompleted(downloading(job), result(12345), 'Ready', new Date()), 'attempt');
    expect(await records.mediaBytesOf(job.ownerId)).toBe(before + 12345);
    await records.remove(job);
    expect(await records.mediaBytesOf(job.ownerId)).toBe(before);
    expect(await records.get(job.id)).toBeNull();
  });
});

describe('collections', () => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `https://video.example/e${i + 1}`, title: `Entry ${i + 1}` }));
  const limited = (maxActive: number): JobLimits => ({ ...NO_LIMITS, maxActive });
  const collect = async (owner: string, n: number, maxActive: number) => {
    const job = await records.create({ ownerId: owner, url: 'https://video.example/list', format: '720p', options: { playlist: true, limits: limited(maxActive) } });
    const collection = (await records.write(toCollection(job, { title: 'List', thumbnailUrl: null }, n), 'attempt'))!;
    const children = await records.createChildren(collection, entries(n), limited(maxActive));
    return { collection, children };
  };
  const finish = (child: JobSnapshot) =>
    records.write(toCompleted(downloading(child), { ...result(1), playlistUrl: `/media/${child.id}/master.m3u8` }, 'Ready', new Date()), 'attempt');

  it('announces each child with seq 1, so a client merging by seq takes its later changes', async () => {
    const subscriber = new Redis(stack.redis.url);
    const seen: JobSnapshot[] = [];
    subscriber.on('message', (_channel: string, message: string) => seen.push(JSON.parse(message) as JobSnapshot));
    await subscriber.subscribe(channels.jobEvents);
    const { children } = await collect('owner-announced', 2, 0);
    await sleep(100);
    await subscriber.quit();
    const announced = seen.filter((e) => children.some((c) => c.id === e.id));
    expect(announced.map((e) => e.seq)).toEqual([1, 1]);
  });

  it('gives back the collection’s own place, and starts children only as places free up, oldest first', async () => {
    const owner = 'owner-waiting';
    const { children } = await collect(owner, 3, 2);
    expect(await client.smembers(`vp:jobs:active:${owner}`)).toEqual([]);
    expect(children.map((c) => [c.format, c.ownerId, c.state])).toEqual(Array(3).fill(['720p', owner, 'queued']));
    const first = await records.releaseWaiting(owner);
    expect(first.jobs.map((c) => c.id)).toEqual(children.slice(0, 2).map((c) => c.id));
    expect((await records.releaseWaiting(owner)).jobs).toEqual([]); // two active: the third waits
    await finish(first.jobs[0]);
    expect((await records.releaseWaiting(owner)).jobs.map((c) => c.id)).toEqual([children[2].id]);
  });

  it('follows its children from any number of writers at once, and ends once', async () => {
    const { collection, children } = await collect('owner-race', 6, 0);
    // A second process's store, on its own connection: the workers of a cluster.
    const otherClient = new Redis(stack.redis.url);
    const other = new JobRecords({ client: otherClient });
    await Promise.all(children.map((child, i) => (i % 2 ? other : records).write(downloading(child), 'attempt')));
    await Promise.all(children.map((child, i) => (i % 2 ? records : other).write(toCompleted(downloading(child), result(1), 'Ready', new Date()), 'attempt')));
    const done = await records.get(collection.id);
    expect(done).toMatchObject({ state: 'completed', children: { total: 6, completed: 6, running: 0, queued: 0 }, progress: { percent: 100 } });
    expect(await endsOf(collection.id)).toEqual([done]);
    for (const child of children) expect((await endsOf(child.id)).map((e) => e.state)).toEqual(['completed']);
    await otherClient.quit();
  });

  it('makes no child for a collection cancelled meanwhile, and recounts the ones it stopped without a second end', async () => {
    const owner = 'owner-cancel';
    const job = await records.create({ ownerId: owner, url: 'https://video.example/list', format: 'best' });
    const collection = (await records.write(toCollection(job, { title: null, thumbnailUrl: null }, 2), 'attempt'))!;
    const [child] = await records.createChildren(collection, entries(1), NO_LIMITS);
    await records.transition(collection.id, 'active', (c) => toCancelled(c, new Date()));
    await records.createChildren(collection, entries(2), NO_LIMITS); // the listing again: the second entry is refused
    await records.transition(child.id, 'active', (c) => toCancelled(c, new Date()));
    const recounted = await records.recount(collection.id);
    expect(recounted).toMatchObject({ state: 'cancelled', children: { total: 1, cancelled: 1 } });
    expect((await endsOf(collection.id)).map((e) => e.state)).toEqual(['cancelled']);
    expect((await endsOf(child.id)).map((e) => e.state)).toEqual(['cancelled']);
    expect((await records.list({ ownerId: null, parentId: collection.id, limit: 10 })).items.map((c) => c.id)).toEqual([child.id]);
  });
});

describe('the outbox stream', () => {
  it('holds only job.ended entries, each a snapshot of a final job', async () => {
    const job = await newJob();
    await records.write(toFailed(job, failure, new Date()), 'attempt');
    const rows = await outbox();
    for (const row of rows) {
      expect(row.type).toBe('job.ended');
      expect(['completed', 'failed', 'cancelled']).toContain(row.job.state);
      expect(row.job.seq).toBeGreaterThan(1);
    }
    // One entry per (job, attempt): nothing above appended an end twice.
    const ends = rows.map((r) => `${r.job.id}#${r.job.attempt}`);
    expect(new Set(ends).size).toBe(ends.length);
  });
});
