// A flaky link, on the real tools: the origin drops the connection mid-file and yt-dlp tries again.
// What a watcher sees must stay true: one file, bytes never above its size, a bar that never goes back.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { collectJobEvents, subscribe } from './support/jobs';
import { makeLongMp4 } from './support/media';
import type { MediaServer } from './support/media-server';
import { useStack } from './support/stack';

let longMp4: string;
const stack = useStack({
  media: { prepare: async (dir) => (longMp4 = await makeLongMp4(dir, 100)), server: false }, // each case serves it its own way
  // Progress every 100 ms, so a held bar and its message show in the events.
  app: { env: { PROGRESS_INTERVAL_MS: '100' } },
  socket: true,
});

/** Runs one job to its end and returns every snapshot a watcher got, ack first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function watchJob(url: string): Promise<any[]> {
  const created = await stack.admin.post('/api/jobs', { url, format: '480p' });
  expect(created.status).toBe(201);
  const events = collectJobEvents(stack.socket, created.body.id, true, 90_000);
  const ack = await subscribe(stack.socket, created.body.id);
  const live = await events;
  return [ack.job!, ...live].filter((e, i, all) => all.findIndex((x) => x.seq === e.seq) === i);
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
    server = await stack.serve({ ranges: false, bytesPerSecond: 800_000, cut: { path: `/${path.basename(longMp4)}`, afterBytes: 400_000, times: 3 } });
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
    const server = await stack.serve({ bytesPerSecond: 1_500_000, cut: { path: `/${path.basename(longMp4)}`, afterBytes: 400_000, times: 3 } });
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
    const segments = (await fsp.readdir(stack.media.hlsDir)).filter((f) => f.endsWith('.ts'));
    const sizes = await Promise.all(segments.map(async (f) => (await fsp.stat(path.join(stack.media.hlsDir, f))).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    const second = sizes[segments.indexOf('seg001.ts')];
    const server = await stack.serve({ ranges: false, bytesPerSecond: 300_000, cut: { path: '/hls/seg001.ts', afterBytes: Math.floor(second / 2), times: 2 } });
    const timeline = await watchJob(server.url('hls/index.m3u8'));
    expect(server.cutsDone()).toBe(2);
    expectTruthfulDownload(timeline, total, false);
  }, 120_000);
});
