// The finished video as one file: GET /api/jobs/:id/file on the built app with real yt-dlp and
// ffmpeg. The title (Chinese, quotes, a slash) names the download; ffprobe reads what arrives.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { waitForState } from './support/jobs';
import { startMediaServer } from './support/media-server';
import { useStack } from './support/stack';
import { runOk } from './support/util';

const TITLE = '测试视频 "引号" AC/DC';

const stack = useStack({
  media: {
    prepare: (dir) => fsp.writeFile(
      path.join(dir, 'titled.html'),
      `<!doctype html><html><head><meta charset="utf-8"><title>${TITLE.replace(/"/g, '&quot;')}</title></head><body><video src="clip.mp4"></video></body></html>`,
    ),
  },
  app: true,
  users: ['fileowner', 'fileother'],
});
const owner = stack.as('fileowner');
const other = stack.as('fileother');

async function fetchFile(id: string, headers: Record<string, string> = {}, token = owner.token) {
  return fetch(`${stack.app.baseUrl}/api/jobs/${id}/file`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
}

async function fetchMedia(id: string, file: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.app.baseUrl}/media/${id}/${file}`, { headers: { Authorization: `Bearer ${owner.token}`, ...headers } });
}

async function probe(file: string) {
  const { stdout } = await runOk('ffprobe', ['-v', 'error', '-show_entries', 'format=duration,format_name:stream=codec_name,codec_type', '-of', 'json', file]);
  return JSON.parse(stdout) as { format: { duration: string; format_name: string }; streams: { codec_name: string; codec_type: string }[] };
}

async function sourceDuration(): Promise<number> {
  return Number((await probe(stack.media.h264Mp4)).format.duration);
}

describe('a finished video', () => {
  let job: { id: string; result: { fileUrl: string; sizeBytes: number } };
  let body: Buffer;

  beforeAll(async () => {
    const created = await owner.post('/api/jobs', { url: stack.server.url('titled.html'), format: '720p' });
    expect(created.status).toBe(201);
    job = (await waitForState(owner, created.body.id, ['completed'], 60_000)) as typeof job;
  }, 90_000);

  it('downloads as one MP4 named after its title, H.264 + AAC as long as the source', async () => {
    expect(job.result.fileUrl).toBe(`/api/jobs/${job.id}/file`);
    const res = await fetchFile(job.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const disposition = res.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+\.mp4"; filename\*=UTF-8''/);
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)/.exec(disposition)![1])).toBe('测试视频 _引号_ AC_DC.mp4');
    body = Buffer.from(await res.arrayBuffer());
    const saved = path.join(await stack.tempDir('file'), 'download.mp4');
    await fsp.writeFile(saved, body);
    const probed = await probe(saved);
    expect(probed.format.format_name).toContain('mp4');
    expect(probed.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(Math.abs(Number(probed.format.duration) - (await sourceDuration()))).toBeLessThan(0.25);
    // The index comes first (+faststart): a player can start before the download ends.
    expect(body.indexOf('moov')).toBeLessThan(body.indexOf('mdat'));
  });

  it('answers a range with 206 and exactly those bytes', async () => {
    const res = await fetchFile(job.id, { Range: 'bytes=100-1099' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-1099/${body.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(body.subarray(100, 1100))).toBe(true);
  });

  it('answers a range past the end of the file with 416 and its size, not 404 (RFC 9110 §14.4)', async () => {
    for (const range of [`bytes=${body.length}-`, `bytes=${body.length + 1000}-${body.length + 2000}`]) {
      const res = await fetchFile(job.id, { Range: range });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${body.length}`);
      expect(res.headers.get('content-disposition')).toBeNull(); // an error, not a download
      expect(((await res.json()) as { code: string }).code).toBe('range_not_satisfiable');
    }
    // The last byte is still a range like any other.
    const last = await fetchFile(job.id, { Range: `bytes=${body.length - 1}-` });
    expect(last.status).toBe(206);
    expect(Buffer.from(await last.arrayBuffer()).equals(body.subarray(body.length - 1))).toBe(true);
  });

  it('serves /media files whole (200), by range (206), and a range past the end as 416 with the size', async () => {
    const master = await fetchMedia(job.id, 'master.m3u8');
    expect(master.status).toBe(200);
    const variant = (await master.text()).split('\n').find((line) => !line.startsWith('#') && line.endsWith('.m3u8'))!;
    const playlist = await (await fetchMedia(job.id, variant)).text();
    const segment = path.posix.join(path.posix.dirname(variant), playlist.split('\n').find((line) => line && !line.startsWith('#'))!);
    const whole = await fetchMedia(job.id, segment);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(100);

    const part = await fetchMedia(job.id, segment, { Range: 'bytes=10-99' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-99/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 100))).toBe(true);

    const past = await fetchMedia(job.id, segment, { Range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(((await past.json()) as { code: string }).code).toBe('range_not_satisfiable');
    // A file that does not exist is still 404, whatever the range.
    const none = await fetchMedia(job.id, 'v9/nothing.ts', { Range: 'bytes=0-' });
    expect(none.status).toBe(404);
  });

  it("counts the file in the owner's media bytes", () => {
    // The HLS segments hold the same streams again: the job keeps about twice the file.
    expect(job.result.sizeBytes).toBeGreaterThan(body.length * 1.9);
  });

  it('is 404 for another user, exactly like a job that does not exist; an admin may have it', async () => {
    const theirs = await other.get(`/api/jobs/${job.id}/file`);
    const none = await other.get('/api/jobs/AAAAAAAAAAAA/file');
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(none.body);
    expect((await stack.admin.get(`/api/jobs/${job.id}/file`)).status).toBe(200);
  });

  it('is 404 once the job is deleted', async () => {
    expect((await owner.del(`/api/jobs/${job.id}`)).status).toBe(204);
    const res = await owner.get(`/api/jobs/${job.id}/file`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });
});

it('an audio job downloads as M4A with only its AAC', async () => {
  const created = await owner.post('/api/jobs', { url: stack.server.url('clip.mp4'), format: 'audio' });
  const job = await waitForState(owner, created.body.id, ['completed'], 60_000);
  const res = await fetchFile(job.id);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('audio/mp4');
  // No title from a direct file: yt-dlp names it after the file ("clip").
  expect(res.headers.get('content-disposition')).toBe('attachment; filename="clip.m4a"');
  const saved = path.join(await stack.tempDir('file'), 'download.m4a');
  await fsp.writeFile(saved, Buffer.from(await res.arrayBuffer()));
  const probed = await probe(saved);
  expect(probed.streams.map((s) => s.codec_name)).toEqual(['aac']);
  expect(Math.abs(Number(probed.format.duration) - (await sourceDuration()))).toBeLessThan(0.25);
}, 90_000);

it('is 404 while the job is not finished', async () => {
  const slow = await startMediaServer(stack.mediaDir, { bytesPerSecond: 100_000 });
  try {
    const created = await owner.post('/api/jobs', { url: slow.url('clip.mp4') });
    await waitForState(owner, created.body.id, ['downloading'], 30_000);
    expect((await owner.get(`/api/jobs/${created.body.id}/file`)).status).toBe(404);
    await owner.del(`/api/jobs/${created.body.id}`);
  } finally {
    await slow.stop();
  }
}, 60_000);
