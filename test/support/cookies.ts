// Helpers for the cookies suites: the fixtures, a raw PUT, a cookie-gated loopback site, and
// searches of Redis and the data folder for a value in clear.
import { promises as fsp, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Redis from 'ioredis';
import { parseBody } from './api';
import type { BodyOf } from './api-routes';
import type { AppProcess } from './app';
import { runOk } from './util';

const FIXTURES = path.join(__dirname, '..', '..', 'src', 'cookies', 'fixtures');
/** A file of src/cookies/fixtures (see its README). */
export const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
/** Every value in the fixtures looks like this: none may ever leave the server in clear. */
export const VALUE_MARK = /secret-[a-z]+-value-\d+/;
export const BROWSER_VALUES = ['secret-sid-value-3', 'secret-hsid-value-4', 'secret-pref-value-5', 'secret-lang-value-6'];

/** What a PUT body may be: the file, or a stream of it (sent chunked, with no length). */
export type UploadBody = string | Buffer | ReadableStream<Uint8Array>;

/** PUT /api/me/cookies with a raw body; `token` '' sends no Authorization header. */
export async function putCookiesAt(target: AppProcess, token: string, body: UploadBody, headers: Record<string, string> = {}) {
  const res = await fetch(`${target.baseUrl}/api/me/cookies`, {
    method: 'PUT',
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.clone().text();
  return { status: res.status, body: (await parseBody(res)) as BodyOf<unknown>, text };
}

/** A 2 s 320x240 H.264/AAC clip.mp4 in `dir`. */
export async function makeClip(dir: string): Promise<string> {
  const clip = path.join(dir, 'clip.mp4');
  await runOk('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '50', '-c:a', 'aac', '-movflags', '+faststart', clip]);
  return clip;
}

export interface CookieOrigin {
  url(p: string): string;
  /** The Cookie header of every request ('' when none). */
  cookieHeaders: string[];
  /** Modes of every cookies.txt under workDir() seen while a request was being answered. */
  cookieFileModes: number[];
  stop(): Promise<void>;
}

/**
 * A loopback site: `/page.html` (a <video> page) for anyone; with `gate`, `gate.file` at any
 * other path only for a request carrying the cookie `gate.name=gate.value`, else 403.
 */
export async function startCookieOrigin(gate: { name: string; value: string; file: string; workDir: () => string } | null): Promise<CookieOrigin> {
  const cookieHeaders: string[] = [];
  const cookieFileModes: number[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      cookieHeaders.push(req.headers.cookie ?? '');
      if (gate) for (const f of await findFiles(gate.workDir(), 'cookies.txt')) cookieFileModes.push((await fsp.stat(f)).mode & 0o777);
      if (req.url === '/page.html' || !gate) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<html><head><title>Members</title></head><body><video src="clip.mp4"></video></body></html>');
        return;
      }
      const allowed = (req.headers.cookie ?? '').split(/;\s*/).includes(`${gate.name}=${gate.value}`);
      if (!allowed) {
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('members only\n');
        return;
      }
      const body = await fsp.readFile(gate.file);
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    cookieHeaders,
    cookieFileModes,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function withRedis<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

export const redisKeysMatching = (url: string, pattern: string) => withRedis(url, (c) => c.keys(pattern));

/** Every key and every value in a Redis, as one latin1 text to search. */
export function redisDump(url: string): Promise<{ keys: number; text: string }> {
  return withRedis(url, async (c) => {
    const parts: string[] = [];
    let keys = 0;
    for await (const batch of c.scanBufferStream({ count: 500 }) as AsyncIterable<Buffer[]>) {
      for (const key of batch) {
        keys++;
        parts.push(key.toString('latin1'));
        const type = await c.type(key);
        const values: Buffer[] =
          type === 'string' ? [(await c.getBuffer(key)) ?? Buffer.alloc(0)]
          : type === 'hash' ? Object.entries(await c.hgetallBuffer(key)).flatMap(([f, v]) => [Buffer.from(f), v])
          : type === 'list' ? await c.lrangeBuffer(key, 0, -1)
          : type === 'set' ? await c.smembersBuffer(key)
          : type === 'zset' ? await c.zrangeBuffer(key, '0', '-1')
          : type === 'stream' ? (await c.xrangeBuffer(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields])
          : [];
        parts.push(...values.map((v) => v.toString('latin1')));
      }
    }
    return { keys, text: parts.join('\n') };
  });
}

/** Files named `name` anywhere under `dir`. */
export async function findFiles(dir: string, name: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name === name).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** Files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  const hits: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath ?? e.path, e.name);
    const data = await fsp.readFile(file).catch(() => null);
    if (data?.includes(needle)) hits.push(file);
  }
  return hits;
}
