// A flaky link, on the real tools: the origin drops the connection mid-file and yt-dlp tries again.
// What a watcher sees must stay true: one file, bytes never above its size, a bar that never goes back.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { api, ApiHelpers, AppProcess, login, startApp } from './support/app';
import { collectJobEvents, connectJobsSocket, Socket, subscribe } from './support/jobs';
import { makeLongMp4, makeMedia, MediaSet } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { RedisHandle, startRedis } from './support/redis';

let redis: RedisHandle;
let media: MediaSet;
let app: AppProcess;
let http: ApiHelpers;
let socket: Socket;
let longMp4: string;
const servers: MediaServer[] = [];

beforeAll(async () => {
  [redis, media] = await Promise.all([startRedis(), makeMedia()]);
  longMp4 = await makeLongMp4(media.dir, 100);
  // Progress every 100 ms, so a held bar and its message show in the events.
  app = await startApp({ redisUrl: redis.url, env: { PROGRESS_INTERVAL_MS: '100' } });
  const { token } = await login(app.baseUrl);
  http = api(app.baseUrl, token);
  socket = await connectJobsSocket(app.baseUrl, token);
}, 90_000);

afterAll(async () => {
  socket?.disconnect();
  await app?.stop();
  await Promise.all(servers.map((s) => s.stop()));
  await redis?.stop();
  await media?.cleanup();
});

async function serve(opts: Parameters<typeof startMediaServer>[1]): Promise<MediaServer> {
  const server = await startMediaServer(media.dir, opts);
  servers.push(server);
  return server;
}

/** Runs one job to its end and returns every snapshot a watcher got, ack first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function watchJob(url: string): Promise<any[]> {
  const created = await http.post('/api/jobs', { url, format: '480p' });
  expect(created.status).toBe(201);
  const events = collectJobEvents(socket, created.body.id, true, 90_000);
  const ack = await subscribe(socket, created.body.id);
  const live = await events;
  return [ack.job, ...live].filter((e, i, all) => all.findIndex((x) => x.seq === e.seq) === i);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectTruthfulDownload(timeline: any[], sizeBytes: number, totalIsKnown = true): void {
  expect(timeline[timeline.length - 1]).toMatchObject({ state: 'completed' });
  const percents = timeline.map((e) => e.progress.percent);
  expect(percents).toEqual([...percents].sort((a, b) => a - b));
  const downloading = timeline.filter((e) => e.state === 'downloading' && e.progress.downloadedBytes !== null);
  expect(downloading.length).toBeGreaterThan(3);
  for (const e of downloading) {
    expect(e.progress.downloadedBytes).toBeLessThanOrEqual(sizeBytes);
    // HLS has no size up front: its total is yt-dlp's estimate from the segments so far.
    if (totalIsKnown && e.progress.totalBytes !== null) expect(e.progress.totalBytes).toBe(sizeBytes);
    expect(e.message).not.toMatch(/\bof \d+ files\b/);
  }
}

describe('a server without range support that drops the connection three times at 400 KB', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let timeline: any[];
  let size: number;
  let server: MediaServer;
  beforeAll(async () => {
    size = (await fsp.stat(longMp4)).size;
    server = await serve({ ranges: false, bytesPerSecond: 800_000, cut: { path: `/${path.basename(longMp4)}`, afterBytes: 400_000, times: 3 } });
    timeline = await watchJob(server.url(path.basename(longMp4)));
  }, 120_000);

  it('was really cut three times, and yt-dlp started the file again each time', () => {
    expect(server.cutsDone()).toBe(3);
    const gets = server.requests.filter((r) => r.startsWith('GET /long-'));
    expect(gets.length).toBeGreaterThanOrEqual(4);
  });

  it('completes with one file whose bytes never pass its size, and a bar that never goes back', () => {
    expectTruthfulDownload(timeline, size);
  });

  it('holds the bar and says the connection was lost while the new bytes catch up', () => {
    const held = timeline.filter((e) => /^Connection lost, starting again \(try [234]\)$/.test(e.message));
    expect(held.length).toBeGreaterThan(0);
    // Held: the bar stands where the lost bytes had taken it, while the new try has fetched less.
    for (const e of held) {
      expect(e.progress.downloadedBytes).toBeLessThanOrEqual(400_000);
      expect(e.progress.stagePercent).toBeGreaterThanOrEqual((100 * 400_000) / size - 0.1);
    }
    const last = timeline.filter((e) => e.state === 'downloading').pop();
    expect(last.message).not.toMatch(/Connection lost/);
  });
});

describe('a server with range support that drops the connection', () => {
  it('resumes where it stopped: bytes only grow, and nothing is said about a restart', async () => {
    const size = (await fsp.stat(longMp4)).size;
    const server = await serve({ bytesPerSecond: 1_500_000, cut: { path: `/${path.basename(longMp4)}`, afterBytes: 400_000, times: 3 } });
    const timeline = await watchJob(server.url(path.basename(longMp4)));
    expect(server.cutsDone()).toBe(3);
    expect(server.requests.some((r) => r.startsWith('GET /long-'))).toBe(true);
    expectTruthfulDownload(timeline, size);
    const bytes = timeline.filter((e) => e.state === 'downloading' && e.progress.downloadedBytes !== null).map((e) => e.progress.downloadedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(timeline.some((e) => /Connection lost/.test(e.message))).toBe(false);
  }, 120_000);
});

describe('an HLS source whose second segment is dropped twice by a server without ranges', () => {
  it('counts the fragment fetched again once: bytes never pass the segments’ total', async () => {
    const segments = (await fsp.readdir(media.hlsDir)).filter((f) => f.endsWith('.ts'));
    const sizes = await Promise.all(segments.map(async (f) => (await fsp.stat(path.join(media.hlsDir, f))).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    const second = sizes[segments.indexOf('seg001.ts')];
    const server = await serve({ ranges: false, bytesPerSecond: 300_000, cut: { path: '/hls/seg001.ts', afterBytes: Math.floor(second / 2), times: 2 } });
    const timeline = await watchJob(server.url('hls/index.m3u8'));
    expect(server.cutsDone()).toBe(2);
    expectTruthfulDownload(timeline, total, false);
  }, 120_000);
});
