// The origin of bench/fanout.bench.ts: a file served with ranges, throttled, logging when each
// chunk of each request left it (the wire that freshness is measured from).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const BYTES_PER_SECOND = 250_000;
export const CHUNK = 16 * 1024;

export interface Sent { offset: number; times: number[]; bytes: number[] }

export interface WireOrigin {
  url: string;
  /** Every request since the last takeDownload(). */
  sent: Sent[];
  /** Requests wait (no answer yet) until release(): every watcher subscribes before a byte leaves. */
  hold(): void;
  release(): void;
  close(): void;
}

/** A file origin: ranges, throttled, each request's cumulative bytes with the time they were written. */
export function wireOrigin(file: string): Promise<WireOrigin> {
  const sent: Sent[] = [];
  const size = fs.statSync(file).size;
  let held: Array<() => void> | null = null;
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Number(range[2]) : size - 1;
    res.writeHead(range ? 206 : 200, {
      'Content-Type': 'video/mp4', 'Accept-Ranges': 'bytes', 'Content-Length': end - start + 1,
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    const log: Sent = { offset: start, times: [], bytes: [] };
    sent.push(log);
    const fd = fs.openSync(file, 'r');
    let pos = start;
    const tick = () => {
      if (pos > end || res.destroyed) return void (fs.closeSync(fd), res.end());
      const buf = Buffer.alloc(Math.min(CHUNK, end - pos + 1));
      fs.readSync(fd, buf, 0, buf.length, pos);
      pos += buf.length;
      res.write(buf);
      log.times.push(Date.now());
      log.bytes.push(pos - start);
      setTimeout(tick, (buf.length / BYTES_PER_SECOND) * 1000);
    };
    tick();
  };
  const server = http.createServer((req, res) => (held ? held.push(() => answer(req, res)) : answer(req, res)));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/clip.mp4`,
      sent,
      hold: () => void (held ??= []),
      release: () => {
        const waiting = held ?? [];
        held = null;
        waiting.forEach((go) => go());
      },
      close: () => (server.closeAllConnections(), server.close()),
    })),
  );
}

/** The download: the request that carried the most bytes. Clears the log for the next run. */
export function takeDownload(origin: WireOrigin): Sent {
  const download = origin.sent.reduce((a, b) => (b.bytes.at(-1)! > (a.bytes.at(-1) ?? 0) ? b : a));
  origin.sent.length = 0;
  return download;
}

