// A loopback HTTP file server standing in for "a video site": content types, HEAD, Range,
// 404s, /status/<code>, and an optional per-response throttle.
import { createReadStream, promises as fsp } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { sleep } from './util';

export interface MediaServerOptions {
  /** Throttle every response body to about this many bytes per second. */
  bytesPerSecond?: number;
  /** false: no `Accept-Ranges`, a `Range` header is ignored and the whole file sent (as many servers do). */
  ranges?: boolean;
  /** Drop the connection after `afterBytes` of the body, for the first `times` GETs of `path` (a flaky link). */
  cut?: { path: string; afterBytes: number; times: number };
  /** Send `afterBytes` of `path`'s body, then nothing more while keeping the connection open (a source that hangs). */
  stall?: { path: string; afterBytes: number };
}

export interface MediaServer {
  /** http://127.0.0.1:<port>/<path> (`path` is used as given, a leading "/" is optional). */
  url(path: string): string;
  port: number;
  /** Closes the server and destroys open sockets (a throttled download in flight is cut). */
  stop(): Promise<void>;
  /** Every request as "<METHOD> <url as sent>", e.g. "GET /clip.mp4", in arrival order. */
  requests: string[];
  /** Changes the throttle for responses that start from now on (undefined: full speed). */
  setBytesPerSecond(bytesPerSecond: number | undefined): void;
  /** How many responses `cut` has dropped so far. */
  cutsDone(): number;
  /** How many responses `stall` has left hanging so far. */
  stallsDone(): number;
}

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.m4a': 'audio/mp4',
  '.mp3': 'audio/mpeg',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.vtt': 'text/vtt',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** One `bytes=` range (the only kind downloaders send); multi-range requests get the whole file. */
function parseRange(header: string | undefined, size: number): Range {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return undefined; // syntactically invalid: ignore
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

function sendText(res: http.ServerResponse, status: number, text: string, head: boolean): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(head ? undefined : text);
}

async function streamFile(
  res: http.ServerResponse,
  file: string,
  start: number,
  end: number,
  bytesPerSecond: number | undefined,
  cut: { afterBytes: number; onCut(): void } | null = null,
  stall: { afterBytes: number; onStall(): void } | null = null,
): Promise<void> {
  const chunk = bytesPerSecond ? Math.max(1024, Math.floor(bytesPerSecond / 20)) : 64 * 1024;
  const stream = createReadStream(file, { start, end, highWaterMark: chunk });
  let closed = false;
  res.once('close', () => {
    closed = true;
    stream.destroy();
  });
  const began = Date.now();
  let sent = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      if (closed) break;
      if (cut !== null && sent + piece.length >= cut.afterBytes) {
        // What a dropped connection looks like to the client: part of the body, then a reset.
        cut.onCut();
        await new Promise<void>((resolve) => res.write(piece.subarray(0, cut.afterBytes - sent), () => resolve()));
        stream.destroy();
        res.socket?.destroy();
        return;
      }
      if (stall !== null && sent + piece.length >= stall.afterBytes) {
        // A source that hangs: part of the body, then silence until the client gives up.
        stall.onStall();
        res.write(piece.subarray(0, stall.afterBytes - sent));
        stream.destroy();
        await new Promise<void>((resolve) => res.once('close', () => resolve()));
        return;
      }
      const data = piece;
      if (!res.write(data)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      sent += data.length;
      if (bytesPerSecond && !closed) {
        const due = began + (sent / bytesPerSecond) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
  } catch {
    closed = true;
  }
  if (!closed) res.end();
  else res.destroy();
}

/** Serves files under `root` on 127.0.0.1:<free port>. */
export async function startMediaServer(root: string, opts: MediaServerOptions = {}): Promise<MediaServer> {
  const rootReal = await fsp.realpath(path.resolve(root));
  let bytesPerSecond = opts.bytesPerSecond;
  const rangesSupported = opts.ranges !== false;
  let cutsDone = 0;
  let stallsDone = 0;
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    requests.push(`${method} ${rawUrl}`);
    const head = method === 'HEAD';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'method not allowed\n', false);
      return;
    }

    const rawPath = rawUrl.split('?')[0].split('#')[0];
    let pathname: string;
    try {
      pathname = decodeURIComponent(rawPath);
    } catch {
      sendText(res, 400, 'bad path\n', head);
      return;
    }

    const status = /^\/status\/(\d{3})\/?$/.exec(pathname);
    if (status) {
      const code = Number(status[1]);
      if (code < 200 || code > 599) {
        sendText(res, 400, 'status code out of range\n', head);
        return;
      }
      const text = `${code} ${http.STATUS_CODES[code] ?? ''}\n`;
      if (code === 204 || code === 304) {
        res.writeHead(code);
        res.end();
      } else {
        sendText(res, code, text, head);
      }
      return;
    }

    // Resolve strictly inside root: no "..", no NUL, no symlink escape.
    if (pathname.includes('\0') || pathname.split(/[\\/]/).includes('..')) {
      sendText(res, 404, 'not found\n', head);
      return;
    }
    const candidate = path.resolve(rootReal, '.' + path.posix.normalize('/' + pathname));
    let file: string;
    let size: number;
    let mtime: Date;
    try {
      file = await fsp.realpath(candidate);
      if (file !== rootReal && !file.startsWith(rootReal + path.sep)) throw new Error('outside root');
      const st = await fsp.stat(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
      mtime = st.mtime;
    } catch {
      sendText(res, 404, 'not found\n', head);
      return;
    }

    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentTypeOf(file),
      'Last-Modified': mtime.toUTCString(),
      'Cache-Control': 'no-store',
    };
    if (rangesSupported) headers['Accept-Ranges'] = 'bytes';
    const range = rangesSupported ? parseRange(req.headers.range, size) : undefined;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const start = range ? range.start : 0;
    const end = range ? range.end : size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = length;
    res.writeHead(range ? 206 : 200, headers);
    if (head || length === 0) {
      res.end();
      return;
    }
    // Counted when it happens: a probe that reads only the first bytes and hangs up is not cut.
    const cut =
      opts.cut && pathname === opts.cut.path && cutsDone < opts.cut.times && length > opts.cut.afterBytes
        ? { afterBytes: opts.cut.afterBytes, onCut: () => (cutsDone += 1) }
        : null;
    const stall =
      opts.stall && pathname === opts.stall.path && length > opts.stall.afterBytes
        ? { afterBytes: opts.stall.afterBytes, onStall: () => (stallsDone += 1) }
        : null;
    await streamFile(res, file, start, end, bytesPerSecond, cut, stall);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `${String(err)}\n`, false);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('media server has no TCP address');
  const port = addr.port;

  let stopped: Promise<void> | undefined;
  return {
    port,
    requests,
    url: (p: string) => `http://127.0.0.1:${port}/${p.replace(/^\/+/, '')}`,
    setBytesPerSecond: (bps) => {
      bytesPerSecond = bps;
    },
    cutsDone: () => cutsDone,
    stallsDone: () => stallsDone,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return stopped;
    },
  };
}
