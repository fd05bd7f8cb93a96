// The real yt-dlp (Debian 2023.03.04) and ffmpeg through the real proxy. Two loopback origins stand in for
// "allowed" and "private": A on 127.0.0.1 (allowed via allowAddresses) and B on 127.0.0.2 (refused).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressProxy, ytdlpProxyEnv } from './egress-proxy';

// yt-dlp's own --proxy flag (the app uses the environment instead; see ytdlpProxyEnv).
const ytdlpProxyArgs = (proxyUrl: string) => ['--proxy', proxyUrl];

interface Run {
  code: number | null;
  stderr: string;
}

// Async on purpose: the proxy lives in this process, so a spawnSync would deadlock it.
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

let dir: string;
let mp4: Buffer;
const hits = { a: 0, b: 0 };
let originA: http.Server;
let originB: http.Server;
let urlA: string;
let urlB: string;

function origin(name: 'a' | 'b'): http.Server {
  return http.createServer((req, res) => {
    hits[name] += 1;
    if (req.url === '/out.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': mp4.length }).end(mp4);
    if (req.url === '/go') return void res.writeHead(302, { location: `${urlB}/out.mp4` }).end();
    if (req.url === '/x.m3u8') {
      const playlist = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n${urlB}/seg0.ts\n#EXT-X-ENDLIST\n`;
      return void res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(playlist);
    }
    res.writeHead(404).end();
  });
}

const listen = (server: http.Server, host: string): Promise<string> =>
  new Promise((resolve) => server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)));

const ytdlp = (proxy: EgressProxy, url: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Run> =>
  run('yt-dlp', ['--ignore-config', '--no-cache-dir', ...ytdlpProxyArgs(proxy.url), '-o', join(dir, 'x.%(ext)s'), ...extra, '--', url], {
    ...process.env,
    ...env,
    ...ytdlpProxyEnv(proxy.url),
  });

const withProxy = async (opts: Parameters<typeof EgressProxy.start>[0], body: (proxy: EgressProxy) => Promise<void>): Promise<void> => {
  const proxy = await EgressProxy.start(opts);
  try {
    await body(proxy);
  } finally {
    await proxy.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidpipe-egress-'));
  const made = await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'out.mp4')], process.env);
  expect(made.code).toBe(0);
  mp4 = readFileSync(join(dir, 'out.mp4'));
  originA = origin('a');
  originB = origin('b');
  urlA = await listen(originA, '127.0.0.1');
  urlB = await listen(originB, '127.0.0.2'); // Linux routes all of 127/8 to lo: no setup needed
});

beforeEach(() => {
  rmSync(join(dir, 'x.mp4'), { force: true });
  hits.a = hits.b = 0;
});

afterAll(async () => {
  await Promise.all([originA, originB].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(dir, { recursive: true, force: true });
});

it('downloads through the proxy when private addresses are allowed', () =>
  withProxy({ allowPrivate: true }, async (proxy) => {
    const result = await ytdlp(proxy, `${urlA}/out.mp4`);
    expect(result.code).toBe(0);
    expect(statSync(join(dir, 'x.mp4')).size).toBe(mp4.length);
  }));

it('fails with HTTP 403 when the proxy refuses, and the origin is never reached', () =>
  withProxy({ allowPrivate: false }, async (proxy) => {
    const result = await ytdlp(proxy, `${urlA}/out.mp4`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR: [generic] None: Unable to download webpage: HTTP Error 403: Forbidden');
    expect(hits.a).toBe(0);
    expect(proxy.blocked[0]).toEqual({ host: '127.0.0.1', address: '127.0.0.1', reason: 'not a public address', kind: 'private' });
  }));

it('fails an https link at the CONNECT, before any TLS', () =>
  withProxy({ allowPrivate: false }, async (proxy) => {
    const result = await ytdlp(proxy, `${urlA.replace('http:', 'https:')}/out.mp4`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Tunnel connection failed: 403 Forbidden');
  }));

it('holds a redirect to the same rule: 127.0.0.1 allowed, its 302 to 127.0.0.2 refused', async () => {
  await withProxy({ allowPrivate: false, allowAddresses: ['127.0.0.1'] }, async (proxy) => {
    const result = await ytdlp(proxy, `${urlA}/go`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP Error 403: Forbidden');
    expect(hits).toEqual({ a: expect.any(Number), b: 0 });
    expect(proxy.blocked.map((r) => r.host)).toContain('127.0.0.2');
  });
  // Control: the same redirect succeeds once 127.0.0.2 is allowed too, so the refusal above was the redirect's.
  await withProxy({ allowPrivate: false, allowAddresses: ['127.0.0.1', '127.0.0.2'] }, async (proxy) => {
    expect((await ytdlp(proxy, `${urlA}/go`)).code).toBe(0);
    expect(hits.b).toBeGreaterThan(0);
  });
});

it('needs the env: yt-dlp honours an inherited no_proxy over --proxy, ytdlpProxyEnv empties it', () =>
  withProxy({ allowPrivate: false }, async (proxy) => {
    const inherited = { no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
    const args = ['--ignore-config', '--no-cache-dir', ...ytdlpProxyArgs(proxy.url), '-o', join(dir, 'x.%(ext)s'), '--', `${urlA}/out.mp4`];
    expect((await run('yt-dlp', args, { ...process.env, ...inherited })).code).toBe(0); // bypassed the proxy
    expect((await ytdlp(proxy, `${urlA}/out.mp4`, [], inherited)).code).toBe(1);
  }));

it('holds HLS segments fetched by ffmpeg (yt-dlp --downloader ffmpeg) to the rule', () =>
  withProxy({ allowPrivate: false, allowAddresses: ['127.0.0.1'] }, async (proxy) => {
    const result = await ytdlp(proxy, `${urlA}/x.m3u8`, ['--downloader', 'ffmpeg']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR: ffmpeg exited with code 1');
    expect(hits.b).toBe(0);
    expect(proxy.blocked.map((r) => r.host)).toContain('127.0.0.2');
  }));

it('ffmpeg on its own honours http_proxy from ytdlpProxyEnv', () =>
  withProxy({ allowPrivate: false }, async (proxy) => {
    const result = await run('ffmpeg', ['-v', 'error', '-i', `${urlA}/x.m3u8`, '-f', 'null', '-'], { ...process.env, ...ytdlpProxyEnv(proxy.url) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Server returned 403 Forbidden');
    expect(hits.a).toBe(0);
  }));
