// Proves the integration-test support library against the real tools (no app involved):
// redis-server, ffmpeg/ffprobe, the loopback media server, yt-dlp, /proc helpers, SSE parsing.
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { startRedis, RedisHandle } from './redis';
import { makeLongMp4, makeMedia, MediaSet, PAGE_TITLE } from './media';
import { startMediaServer, MediaServer } from './media-server';
import { childProcessesOf, processesMatching, waitForNoProcesses } from './process';
import { parseSse } from './jobs';
import { exitOf, makeTempDir, removeDir, run, runOk } from './util';

jest.setTimeout(30000);

interface ProbeStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
}
interface Probe {
  streams: ProbeStream[];
  format: { duration?: string; format_name: string };
}

async function ffprobe(file: string): Promise<Probe> {
  const res = await runOk('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(res.stdout) as Probe;
}

function stream(p: Probe, type: 'video' | 'audio'): ProbeStream | undefined {
  return p.streams.find((s) => s.codec_type === type);
}

/** Raw request (node's http does not normalize "..", unlike fetch). */
function rawGet(port: number, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startRedis', () => {
  let redis: RedisHandle | undefined;
  afterAll(async () => redis?.stop());

  it('starts a private redis-server that answers, with noeviction and no persistence', async () => {
    redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    } finally {
      client.disconnect();
    }
    expect(existsSync(redis.dir)).toBe(true);

    await redis.stop();
    expect(existsSync(redis.dir)).toBe(false);
    expect(existsSync(`/proc/${redis.pid}`)).toBe(false);
    const after = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    after.on('error', () => undefined);
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
    await redis.stop(); // idempotent
  });
});

describe('makeMedia, startMediaServer and yt-dlp', () => {
  let media: MediaSet;
  let server: MediaServer;
  let mediaMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    media = await makeMedia();
    mediaMs = Date.now() - t0;
    // eslint-disable-next-line no-console
    console.log(`makeMedia took ${mediaMs} ms`);
    server = await startMediaServer(media.dir);
  });
  afterAll(async () => {
    await server?.stop();
    await media?.cleanup();
  });

  it('made every file quickly', () => {
    expect(mediaMs).toBeLessThan(8000);
    for (const f of [media.h264Mp4, media.vp9Webm, media.hlsPlaylist, media.audioM4a, media.notVideo, media.pageHtml, media.emptyPageHtml]) {
      expect(existsSync(f)).toBe(true);
    }
  });

  it('h264Mp4: 1280x720 25 fps H.264 yuv420p + AAC, 6 s, keyframes every 2 s, faststart', async () => {
    const p = await ffprobe(media.h264Mp4);
    const v = stream(p, 'video');
    expect(v).toMatchObject({ codec_name: 'h264', width: 1280, height: 720, pix_fmt: 'yuv420p', avg_frame_rate: '25/1' });
    expect(stream(p, 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(Number(p.format.duration)).toBeCloseTo(6, 0);
    const keys = await runOk('ffprobe', [
      '-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey',
      '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', media.h264Mp4,
    ]);
    // csv output has a blank line after the first frame (its side data): keep the numbers only.
    const keyTimes = keys.stdout.split('\n').map((t) => t.replace(/,.*$/, '').trim()).filter((t) => t !== '');
    expect(keyTimes.map((t) => Math.round(Number(t)))).toEqual([0, 2, 4]);
    const head = (await fsp.readFile(media.h264Mp4)).subarray(0, 64 * 1024).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    const mdat = head.indexOf('mdat');
    expect(mdat === -1 || head.indexOf('moov') < mdat).toBe(true);
  });

  it('vp9Webm, hls, audioM4a and notVideo are what they claim', async () => {
    const [webm, hls, ts, m4a] = await Promise.all([
      ffprobe(media.vp9Webm),
      ffprobe(media.hlsPlaylist),
      ffprobe(path.join(media.hlsDir, 'seg000.ts')),
      ffprobe(media.audioM4a),
    ]);
    expect(stream(webm, 'video')).toMatchObject({ codec_name: 'vp9', width: 640, height: 360 });
    expect(stream(webm, 'audio')).toMatchObject({ codec_name: 'opus' });
    expect(Number(webm.format.duration)).toBeCloseTo(4, 0);

    expect(stream(hls, 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(stream(hls, 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(Number(hls.format.duration)).toBeCloseTo(6, 0);
    expect(ts.format.format_name).toBe('mpegts');
    const playlist = await fsp.readFile(media.hlsPlaylist, 'utf8');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(playlist.match(/^seg\d{3}\.ts$/gm)).toEqual(['seg000.ts', 'seg001.ts', 'seg002.ts']);
    expect(playlist.match(/#EXTINF:2\.0+,/g)).toHaveLength(3);

    expect(stream(m4a, 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(stream(m4a, 'video')).toBeUndefined();
    expect(Number(m4a.format.duration)).toBeCloseTo(4, 0);

    const fake = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', media.notVideo]);
    expect(fake.code).not.toBe(0);
    expect(path.basename(media.notVideo)).toBe('fake.mp4');

    const page = await fsp.readFile(media.pageHtml, 'utf8');
    expect(page).toContain(`<meta property="og:title" content="${PAGE_TITLE}">`);
    expect(page).toMatch(/<title>[^<]+<\/title>/);
    const src = /<video src="([^"]+)"/.exec(page)?.[1];
    expect(src).toBeDefined();
    expect(path.resolve(path.dirname(media.pageHtml), src as string)).toBe(media.h264Mp4);
    expect(await fsp.readFile(media.emptyPageHtml, 'utf8')).not.toMatch(/<(video|audio|source)\b/i);
  });

  it('serves files with content types, HEAD, Range, 404s and /status/<code>', async () => {
    const whole = await fsp.readFile(media.h264Mp4);
    const res = await fetch(server.url('clip.mp4'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(res.headers.get('content-length'))).toBe(whole.length);
    expect(Buffer.from(await res.arrayBuffer()).equals(whole)).toBe(true);

    const head = await fetch(server.url('/clip.mp4'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(whole.length);
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const part = await fetch(server.url('clip.mp4'), { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(Number(part.headers.get('content-length'))).toBe(100);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);

    const open = await fetch(server.url('clip.mp4'), { headers: { Range: `bytes=${whole.length - 10}-` } });
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer()).equals(whole.subarray(whole.length - 10))).toBe(true);

    const suffix = await fetch(server.url('clip.mp4'), { headers: { Range: 'bytes=-50' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe(`bytes ${whole.length - 50}-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 50))).toBe(true);

    const beyond = await fetch(server.url('clip.mp4'), { headers: { Range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    await beyond.arrayBuffer();

    const types: Record<string, string> = {
      'clip.webm': 'video/webm',
      'hls/index.m3u8': 'application/vnd.apple.mpegurl',
      'hls/seg001.ts': 'video/mp2t',
      'page.html': 'text/html',
      'audio.m4a': 'audio/mp4',
      'fake.mp4': 'video/mp4',
    };
    for (const [p, type] of Object.entries(types)) {
      const r = await fetch(server.url(p), { method: 'HEAD' });
      expect([p, r.status, (r.headers.get('content-type') ?? '').split(';')[0]]).toEqual([p, 200, type]);
    }

    expect((await fetch(server.url('missing.mp4'))).status).toBe(404);
    expect((await fetch(server.url('hls'))).status).toBe(404);
    const s503 = await fetch(server.url('status/503'));
    expect(s503.status).toBe(503);
    await s503.text();
    expect((await fetch(server.url('status/403'), { method: 'HEAD' })).status).toBe(403);
    expect(server.requests).toContain('GET /clip.mp4');
    expect(server.requests).toContain('HEAD /clip.mp4');
    expect(server.requests).toContain('GET /status/503');
  });

  it('never serves anything outside its root', async () => {
    const outside = await makeTempDir('outside');
    try {
      await fsp.writeFile(path.join(outside, 'secret.txt'), 'secret');
      await fsp.symlink(path.join(outside, 'secret.txt'), path.join(media.dir, 'link.txt'));
      for (const p of [
        '/../../../../etc/passwd',
        '/hls/../../../../etc/passwd',
        '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '/hls/..%2f..%2f..%2f..%2fetc%2fpasswd',
        '/..%5c..%5cetc%5cpasswd',
        `/${path.relative(media.dir, path.join(outside, 'secret.txt'))}`,
        '/link.txt',
        '/clip.mp4%00.html',
      ]) {
        const r = await rawGet(server.port, p);
        expect([p, r.status]).toEqual([p, 404]);
        expect(r.body).not.toMatch(/root:|secret/);
      }
      // Any ".." segment is refused outright; doubled slashes that stay inside the root are fine.
      expect((await rawGet(server.port, '/hls/../clip.webm')).status).toBe(404);
      expect((await rawGet(server.port, '//hls//index.m3u8')).status).toBe(200);
    } finally {
      await fsp.rm(path.join(media.dir, 'link.txt'), { force: true });
      await removeDir(outside);
    }
  });

  it('yt-dlp downloads the mp4, the page <video> (html5) and the HLS playlist, and refuses the empty page', async () => {
    const out = await makeTempDir('ytdlp');
    try {
      const ytdlp = (name: string, url: string): ReturnType<typeof run> =>
        run('yt-dlp', [
          '--ignore-config', '--no-cache-dir', '--proxy', '',
          '--print', 'after_move:%(extractor)s|%(title)s|%(filepath)s',
          '-o', path.join(out, `${name}.%(ext)s`), '--', url,
        ], { timeoutMs: 25000 });
      const [mp4, page, hls, empty] = await Promise.all([
        ytdlp('x', server.url('clip.mp4')),
        ytdlp('p', server.url('page.html')),
        ytdlp('h', server.url('hls/index.m3u8')),
        ytdlp('e', server.url('empty.html')),
      ]);

      expect(mp4.code).toBe(0);
      const [mp4Extractor, , mp4Path] = mp4.stdout.trim().split('|');
      expect(mp4Extractor).toBe('generic');
      expect(mp4Path).toBe(path.join(out, 'x.mp4'));
      expect((await fsp.readFile(mp4Path)).equals(await fsp.readFile(media.h264Mp4))).toBe(true);

      expect(page.code).toBe(0);
      const [pageExtractor, pageTitle, pagePath] = page.stdout.trim().split('|');
      expect(pageExtractor).toBe('html5');
      expect(pageTitle).toContain(PAGE_TITLE);
      expect((await fsp.readFile(pagePath)).equals(await fsp.readFile(media.h264Mp4))).toBe(true);

      expect([hls.code, hls.stderr]).toEqual([0, expect.anything()]);
      const hlsProbe = await ffprobe(hls.stdout.trim().split('|')[2]);
      expect(stream(hlsProbe, 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });

      expect(empty.code).not.toBe(0);
      expect(empty.stderr).toMatch(/Unsupported URL/);

      expect(server.requests).toEqual(expect.arrayContaining(['GET /page.html', 'GET /hls/index.m3u8', 'GET /empty.html']));
    } finally {
      await removeDir(out);
    }
  });
});

describe('throttling and stop()', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('throttle');
    await fsp.writeFile(path.join(dir, 'blob.mp4'), randomBytes(200 * 1024));
  });
  afterAll(async () => removeDir(dir));

  it('a 200 KB file at 200 KB/s takes about a second', async () => {
    const server = await startMediaServer(dir, { bytesPerSecond: 200 * 1024 });
    try {
      const t0 = Date.now();
      const res = await fetch(server.url('blob.mp4'));
      const body = Buffer.from(await res.arrayBuffer());
      const ms = Date.now() - t0;
      expect(body.length).toBe(200 * 1024);
      expect(ms).toBeGreaterThanOrEqual(800);
      expect(ms).toBeLessThan(2500);
      // Switched off, the same file is instant.
      server.setBytesPerSecond(undefined);
      const t1 = Date.now();
      await (await fetch(server.url('blob.mp4'))).arrayBuffer();
      expect(Date.now() - t1).toBeLessThan(300);
    } finally {
      await server.stop();
    }
  });

  it('stop() cuts a download in flight at once', async () => {
    const server = await startMediaServer(dir, { bytesPerSecond: 20 * 1024 });
    const res = await fetch(server.url('blob.mp4'));
    expect(res.status).toBe(200);
    const reading = res.arrayBuffer();
    reading.catch(() => undefined);
    const t0 = Date.now();
    await server.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(reading).rejects.toThrow();
    await expect(fetch(server.url('blob.mp4'))).rejects.toThrow();
  });

  it('makeLongMp4 makes a long, small H.264 file fast', async () => {
    const t0 = Date.now();
    const file = await makeLongMp4(dir, 60);
    const ms = Date.now() - t0;
    const p = await ffprobe(file);
    expect(stream(p, 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(Number(p.format.duration)).toBeCloseTo(60, 0);
    const size = (await fsp.stat(file)).size;
    expect(size).toBeLessThan(2 * 1024 * 1024);
    // eslint-disable-next-line no-console
    console.log(`makeLongMp4(60 s) took ${ms} ms, ${size} bytes`);
  });
});

describe('/proc helpers', () => {
  it('find our own children, recursively and by command line, and see them go', async () => {
    const marker = `${30 + Math.random()}`; // unique argv: other suites may run in parallel
    const child = spawn('sleep', [marker], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      expect(childProcessesOf(process.pid)).toContain(pid);
      const found = processesMatching(new RegExp(`^sleep ${marker.replace('.', '\\.')}$`));
      expect(found).toEqual([{ pid, cmd: `sleep ${marker}` }]);
    } finally {
      child.kill('SIGKILL');
      await exitOf(child);
    }
    await waitForNoProcesses(() => processesMatching(new RegExp(`sleep ${marker.replace('.', '\\.')}`)), 2000);
    expect(childProcessesOf(process.pid)).not.toContain(child.pid);
  });
});

describe('parseSse', () => {
  it('splits frames, joins data lines, skips comments and keeps the partial rest', () => {
    const text = ': keep-alive\n\nevent: job\ndata: {"id":"a","seq":1}\n\r\nevent: job\r\ndata: {"id":"a",\ndata: "seq":2}\n\nevent: job\ndata: {"id"';
    const { frames, rest } = parseSse(text);
    expect(frames.map((f) => [f.event, JSON.parse(f.data)])).toEqual([
      ['job', { id: 'a', seq: 1 }],
      ['job', { id: 'a', seq: 2 }],
    ]);
    expect(rest).toBe('event: job\ndata: {"id"');
  });
});
