// Many watchers of one job on one api process. Freshness is measured from the origin's wire: our own
// throttled origin logs, per request, when each byte left it; an event saying "B bytes downloaded"
// is late by (arrival at the client − when the download request's byte B left). Only the request
// that carried the most bytes counts: a probe's own GET of the same file would look ~0.5 s late.
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { connectJobsSocket, isFinal, Socket, subscribe } from '../test/support/jobs';
import { makeLongMp4 } from '../test/support/media';
import { BenchEnv, rssBytes, runBench } from './bench-env';

const FRESHNESS_WATCHERS = 1000;
const MEMORY_WATCHERS = Number(process.env.WATCHERS ?? 5000);
const BYTES_PER_SECOND = 250_000;
const CHUNK = 16 * 1024;

interface Sent { offset: number; times: number[]; bytes: number[] }

/** A file origin: ranges, throttled, each request's cumulative bytes with the time they were written. */
function wireOrigin(file: string): Promise<{ url: string; sent: Sent[]; close(): void }> {
  const sent: Sent[] = [];
  const size = fs.statSync(file).size;
  const server = http.createServer((req, res) => {
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
    let total = 0;
    const tick = () => {
      if (pos > end || res.destroyed) return void (fs.closeSync(fd), res.end());
      const buf = Buffer.alloc(Math.min(CHUNK, end - pos + 1));
      fs.readSync(fd, buf, 0, buf.length, pos);
      pos += buf.length;
      total += buf.length;
      res.write(buf);
      log.times.push(Date.now());
      log.bytes.push(total);
      setTimeout(tick, (buf.length / BYTES_PER_SECOND) * 1000);
    };
    tick();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/clip.mp4`, sent, close: () => { server.closeAllConnections(); server.close(); } });
    }),
  );
}

/** For each report of B bytes: its arrival minus when the download request's byte B left the origin. */
function latenessOf(arrivals: Array<{ at: number; bytes: number | null }>, download: Sent): number[] {
  const out: number[] = [];
  for (const { at, bytes } of arrivals) {
    if (!bytes) continue;
    const i = download.bytes.findIndex((b) => download.offset + b >= bytes);
    if (i >= 0) out.push(at - download.times[i]);
  }
  return out.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function watchOneJob(env: BenchEnv, url: string, sockets: Socket[]) {
  const arrivals: Array<{ at: number; bytes: number | null }> = [];
  const perClient = new Map<Socket, number>();
  let finals = 0;
  const { body: job } = await env.http.post('/api/jobs', { url });
  let peakRss = rssBytes(env.app.proc.pid!);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(env.app.proc.pid!))), 200);
  const allDone = Promise.all(
    sockets.map((s) => new Promise<void>((resolve) => {
      const onJob = (snap: { id: string; state: string; progress: { downloadedBytes: number | null } }) => {
        if (snap.id !== job.id) return;
        if (snap.state === 'downloading') arrivals.push({ at: Date.now(), bytes: snap.progress.downloadedBytes });
        perClient.set(s, (perClient.get(s) ?? 0) + 1);
        if (isFinal(snap.state)) {
          finals++;
          s.off('job', onJob);
          resolve();
        }
      };
      s.on('job', onJob);
    })),
  );
  for (let i = 0; i < sockets.length; i += 200) await Promise.all(sockets.slice(i, i + 200).map((s) => subscribe(s, job.id, 60_000)));
  await allDone;
  clearInterval(sampler);
  return { arrivals, perClient, finals, peakRss };
}

runBench({}, async (env) => {
  const clip = await makeLongMp4(env.dir, 60);
  const origin = await wireOrigin(clip);
  const sockets: Socket[] = [];
  try {
    const before = rssBytes(env.app.proc.pid!);
    for (let i = 0; i < MEMORY_WATCHERS; i += 100) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, MEMORY_WATCHERS - i) }, () => connectJobsSocket(env.app.baseUrl, env.token)))));
    }
    console.log(`clip: 60 s H.264 mp4 (${(fs.statSync(clip).size / 1e6).toFixed(1)} MB) sent at ${BYTES_PER_SECOND / 1000} KB/s by a logging origin`);

    const fresh = await watchOneJob(env, origin.url, sockets.slice(0, FRESHNESS_WATCHERS));
    const download = origin.sent.reduce((a, b) => (b.bytes.at(-1)! > (a.bytes.at(-1) ?? 0) ? b : a));
    const lateness = latenessOf(fresh.arrivals, download);
    console.log(`freshness at ${FRESHNESS_WATCHERS} watchers (origin wire → client; ${origin.sent.length} requests, the download's ${download.bytes.at(-1)} bytes counted):`);
    console.log(`  p50 ${pct(lateness, 50)} ms, p95 ${pct(lateness, 95)} ms, p99 ${pct(lateness, 99)} ms, max ${lateness.at(-1)} ms over ${lateness.length} deliveries; final event reached ${fresh.finals}/${FRESHNESS_WATCHERS}`);

    origin.sent.length = 0;
    const many = await watchOneJob(env, origin.url, sockets);
    const counts = [...many.perClient.values()].sort((a, b) => a - b);
    const after = rssBytes(env.app.proc.pid!);
    console.log(`${MEMORY_WATCHERS} watchers on one api process: final event reached ${many.finals}/${MEMORY_WATCHERS}, events per watcher min ${counts[0]} / max ${counts.at(-1)}`);
    console.log(`  api RSS: ${(before / 2 ** 20).toFixed(0)} MiB before the sockets, ${(after / 2 ** 20).toFixed(0)} MiB with them, peak ${(many.peakRss / 2 ** 20).toFixed(0)} MiB during the job`);

    // By hand: yt-dlp's own progress lines, read as they are printed, against the same wire log.
    origin.sent.length = 0;
    const argv = ['--ignore-config', '--no-cache-dir', '--newline', '--progress', '--progress-template', 'download:%(progress.downloaded_bytes)s',
      '--no-resize-buffer', '--buffer-size', '64K', '-q', '-o', `${env.dir}/by-hand.%(ext)s`, '--', origin.url];
    const hand = await new Promise<Array<{ at: number; bytes: number | null }>>((resolve) => {
      const lines: Array<{ at: number; bytes: number | null }> = [];
      const child = spawn('yt-dlp', argv, { stdio: ['ignore', 'pipe', 'ignore'] });
      createInterface({ input: child.stdout }).on('line', (l) => lines.push({ at: Date.now(), bytes: Number(l) || null }));
      child.on('close', () => resolve(lines));
    });
    const handLate = latenessOf(hand, origin.sent.reduce((a, b) => (b.bytes.at(-1)! > (a.bytes.at(-1) ?? 0) ? b : a)));
    console.log(`  by hand: yt-dlp ${argv.join(' ')}`);
    console.log(`  its own progress lines, origin wire → stdout: p50 ${pct(handLate, 50)} ms, p99 ${pct(handLate, 99)} ms → app/by hand at p99: ${(pct(lateness, 99) / Math.max(1, pct(handLate, 99))).toFixed(1)}×`);
  } finally {
    sockets.forEach((s) => s.disconnect());
    origin.close();
  }
});
