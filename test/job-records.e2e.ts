// The job records and the lifecycle on a real Redis, without the app: the guards that keep a
// slow worker from overwriting a cancel, the one "job ended" event, the quota reservations.
import Redis from 'ioredis';
import { channels } from '../src/jobs/job-keys';
import { toCancelled, toCollection, toCompleted, toFailed, toRetried } from '../src/jobs/job-lifecycle';
import { JobRecords } from '../src/jobs/job-records';
import type { JobSnapshot } from '../src/jobs/job.types';
import { RedisHandle, startRedis } from './support/redis';

let redis: RedisHandle;
let client: Redis;
let records: JobRecords;
let ended: JobSnapshot[];

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  records = new JobRecords(client);
  records.onJobEnded((job) => ended.push(job));
}, 30_000);

beforeEach(() => {
  ended = [];
});

afterAll(async () => {
  await client?.quit();
  await redis?.stop();
});

const newJob = () => records.create({ ownerId: 'owner-1', url: 'https://video.example/a', format: 'best' });
const downloading = (job: JobSnapshot): JobSnapshot => ({ ...job, state: 'downloading', message: 'Downloading' });
const failure = { code: 'download_failed' as const, message: 'The server closed the connection.' };

describe('a job written by a worker and cancelled by a person', () => {
  it('keeps the cancel: the worker’s later write is refused and the job ended once, cancelled', async () => {
    const job = await newJob();
    const running = await records.write(downloading(job), 'attempt');
    expect(running?.seq).toBe(2);
    const cancelled = await records.transition(job.id, 'active', (current) => toCancelled(current, new Date()));
    expect(cancelled).toMatchObject({ state: 'cancelled', seq: 3, progress: { speedBps: null } });
    expect(await records.write({ ...downloading(job), progress: { ...job.progress, percent: 40 } }, 'attempt')).toBeNull();
    expect(await records.get(job.id)).toMatchObject({ state: 'cancelled', seq: 3 });
    expect(ended.map((j) => [j.id, j.state])).toEqual([[job.id, 'cancelled']]);
  });

  it('announces the end once when a cancel and a failure race for it', async () => {
    const job = await newJob();
    await records.write(downloading(job), 'attempt');
    const [cancel, fail] = await Promise.all([
      records.transition(job.id, 'active', (current) => toCancelled(current, new Date())),
      records.write(toFailed(downloading(job), failure, new Date()), 'attempt'),
    ]);
    expect([cancel, fail].filter((r) => r !== null)).toHaveLength(1);
    expect(ended).toHaveLength(1);
    expect(ended[0].state).toBe((await records.get(job.id))?.state);
  });

  it('publishes every stored change with a seq one above the last', async () => {
    const subscriber = new Redis(redis.url);
    const seen: number[] = [];
    await subscriber.subscribe(channels.jobEvents);
    const job = await newJob();
    subscriber.on('message', (_channel: string, message: string) => {
      const event = JSON.parse(message) as JobSnapshot;
      if (event.id === job.id) seen.push(event.seq);
    });
    await records.write(downloading(job), 'attempt');
    await records.write(toCompleted(downloading(job), { playlistUrl: '/media/x/master.m3u8', posterUrl: null, renditions: [], sizeBytes: 10, durationSec: 1, videoCopied: true }, 'Ready', new Date()), 'attempt');
    await new Promise((r) => setTimeout(r, 100));
    await subscriber.quit();
    expect(seen).toEqual([1, 2, 3]);
    expect(ended.map((j) => j.state)).toEqual(['completed']);
  });
});

describe('a retry', () => {
  it('starts a new attempt from nothing, and the old attempt can no longer write', async () => {
    const job = await newJob();
    const failed = await records.write(toFailed(downloading(job), failure, new Date()), 'attempt');
    const retried = await records.transition(job.id, 'ended', toRetried);
    expect(retried).toMatchObject({ state: 'queued', attempt: 2, progress: { percent: 0 }, finishedAt: null });
    expect(retried?.error).toBeUndefined();
    expect(await records.write(downloading(failed as JobSnapshot), 'attempt', 1)).toBeNull();
    // Retrying what is already queued again is refused.
    expect(await records.transition(job.id, 'ended', toRetried)).toBeNull();
    expect(ended.map((j) => j.state)).toEqual(['failed']);
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
    const result = { playlistUrl: '/media/x/master.m3u8', posterUrl: null, renditions: [], sizeBytes: 12345, durationSec: 1, videoCopied: true };
    const before = await records.mediaBytesOf(job.ownerId);
    await records.write(toCompleted(downloading(job), result, 'Ready', new Date()), 'attempt');
    expect(await records.mediaBytesOf(job.ownerId)).toBe(before + 12345);
    await records.remove(job);
    expect(await records.mediaBytesOf(job.ownerId)).toBe(before);
    expect(await records.get(job.id)).toBeNull();
  });
});

describe('collections', () => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `https://video.example/e${i + 1}`, title: `Entry ${i + 1}` }));
  const collect = async (owner: string, n: number, maxActive: number) => {
    const job = await records.create({ ownerId: owner, url: 'https://video.example/list', format: '720p', options: { playlist: true, maxActive } });
    const collection = (await records.write(toCollection(job, { title: 'List', thumbnailUrl: null }, n), 'attempt'))!;
    const children = await records.createChildren(collection, entries(n), maxActive);
    return { collection, children };
  };
  const finish = (child: JobSnapshot) =>
    records.write(toCompleted(downloading(child), { playlistUrl: `/media/${child.id}/master.m3u8`, posterUrl: null, renditions: [], sizeBytes: 1, durationSec: 1, videoCopied: true }, 'Ready', new Date()), 'attempt');

  it('announces each child with seq 1, so a client merging by seq takes its later changes', async () => {
    const subscriber = new Redis(redis.url);
    const seen: JobSnapshot[] = [];
    await subscriber.subscribe(channels.jobEvents);
    subscriber.on('message', (_channel: string, message: string) => seen.push(JSON.parse(message) as JobSnapshot));
    const { children } = await collect('owner-announced', 2, 0);
    await new Promise((r) => setTimeout(r, 100));
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
    expect(first.map((c) => c.id)).toEqual(children.slice(0, 2).map((c) => c.id));
    expect(await records.releaseWaiting(owner)).toEqual([]); // two active: the third waits
    await finish(first[0]);
    expect((await records.releaseWaiting(owner)).map((c) => c.id)).toEqual([children[2].id]);
  });

  it('follows its children from any number of writers at once, and ends once', async () => {
    const { collection, children } = await collect('owner-race', 6, 0);
    // A second process's store, on its own connection: the workers of a cluster.
    const other = new JobRecords(new Redis(redis.url));
    const endedElsewhere: JobSnapshot[] = [];
    other.onJobEnded((job) => endedElsewhere.push(job));
    await Promise.all(children.map((child, i) => (i % 2 ? other : records).write(downloading(child), 'attempt')));
    await Promise.all(children.map((child, i) => (i % 2 ? records : other).write(toCompleted(downloading(child), { playlistUrl: '/m', posterUrl: null, renditions: [], sizeBytes: 1, durationSec: 1, videoCopied: true }, 'Ready', new Date()), 'attempt')));
    const done = await records.get(collection.id);
    expect(done).toMatchObject({ state: 'completed', children: { total: 6, completed: 6, running: 0, queued: 0 }, progress: { percent: 100 } });
    const collectionEnds = [...ended, ...endedElsewhere].filter((j) => j.id === collection.id);
    expect(collectionEnds).toHaveLength(1);
    await (other as unknown as { redis: Redis }).redis.quit();
  });

  it('makes no child for a collection cancelled meanwhile, and recounts the ones it stopped without a second end', async () => {
    const owner = 'owner-cancel';
    const job = await records.create({ ownerId: owner, url: 'https://video.example/list', format: 'best' });
    const collection = (await records.write(toCollection(job, { title: null, thumbnailUrl: null }, 2), 'attempt'))!;
    const [child] = await records.createChildren(collection, entries(1), 0);
    await records.transition(collection.id, 'active', (c) => toCancelled(c, new Date()));
    await records.createChildren(collection, entries(2), 0); // the listing again: the second entry is refused
    await records.transition(child.id, 'active', (c) => toCancelled(c, new Date()));
    const recounted = await records.recount(collection.id);
    expect(recounted).toMatchObject({ state: 'cancelled', children: { total: 1, cancelled: 1 } });
    expect(ended.filter((j) => j.id === collection.id)).toHaveLength(1);
    expect((await records.list({ ownerId: null, parentId: collection.id, limit: 10 })).items.map((c) => c.id)).toEqual([child.id]);
  });
});
