// The job records and the lifecycle on a real Redis, without the app: the guards that keep a
// slow worker from overwriting a cancel, the one "job ended" event, the quota reservations.
import Redis from 'ioredis';
import { channels } from '../src/jobs/job-keys';
import { toCancelled, toCompleted, toFailed, toRetried } from '../src/jobs/job-lifecycle';
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
