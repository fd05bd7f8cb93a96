// Many watchers of one job on one api process (role api; the job runs in a worker process beside it),
// each figure beside the same work by hand in the same run: a bare socket.io server
// (bench/fanout-plain-server.ts) fed by yt-dlp's own progress lines.
//
// Freshness is measured from the origin's wire (bench/wire-origin.ts logs when each 16 KiB chunk
// left it). A chunk is news to a watcher once an event says at least its last byte has been
// downloaded: its staleness is that event's arrival minus when the chunk left — "origin bytes →
// client event", as a watcher sees it. It includes the wait for yt-dlp's next progress line, which
// comes once per read (64 KiB: ~260 ms at 250 KB/s). Until 2026-12 this benchmark printed only the
// per-event figure (an event's arrival minus when the freshest byte it reports left), which leaves
// that wait out: it read p99 65–86 ms where a measurement from outside read 250–267 ms.
//
// Watchers are socket.io clients in several processes (bench/fanout-watchers.ts), each reporting
// its own event-loop delay. One more process holds a single socket subscribed last: the server
// writes to it last, and its client is idle.
import fs from 'node:fs';
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { channels } from '../src/jobs/job-keys';
import { BUFFER_SIZE } from '../src/pipeline/ytdlp/ytdlp-args';
import { makeLongMp4 } from '../test/support/media';
import { APP_DIST, rssBytes, runBench } from './bench-env';
import type { PlainServerCommand, PlainServerReport } from './fanout-plain-server';
import type { SocketArrivals, WatcherCommand, WatcherReport } from './fanout-watchers';
import { BYTES_PER_SECOND, CHUNK, Sent, takeDownload, wireOrigin } from './wire-origin';

const FRESHNESS_WATCHERS = 1000;
const MEMORY_WATCHERS = Number(process.env.WATCHERS ?? 15_000);
/** Client processes for the freshness watchers (the probe has one of its own), and for the rest. */
const FRESHNESS_PROCESSES = Number(process.env.FRESHNESS_PROCESSES ?? 4);
const MEMORY_PROCESSES = Number(process.env.MEMORY_PROCESSES ?? 8);
const CLIP_SECONDS = 120;
const GOAL_P99_MS = 200;
const GOAL_RSS = 768 * 2 ** 20;
/** yt-dlp's progress as the app asks for it (same read size: a line per read). */
const YTDLP_PROGRESS = ['--newline', '--progress', '--progress-template', 'download:%(progress.downloaded_bytes)s', '--no-resize-buffer', '--buffer-size', BUFFER_SIZE];

/** Per chunk of the download: the first arrival whose bytes cover it, minus when the chunk left. */
function chunkStaleness(arrivals: SocketArrivals, download: Sent): number[] {
  const late: number[] = [];
  let k = 0;
  for (let i = 0; i < download.bytes.length; i++) {
    const end = download.offset + download.bytes[i];
    while (k < arrivals.at.length && !((arrivals.bytes[k] ?? -1) >= end)) k++;
    if (k === arrivals.at.length) break; // never reported: the job's events ended first
    late.push(arrivals.at[k] - download.times[i]);
  }
  return late;
}

/** Per progress event: its arrival minus when the freshest byte it reports left the origin. */
function eventLateness(arrivals: SocketArrivals, download: Sent): number[] {
  return arrivals.at.flatMap((at, k) => {
    const bytes = arrivals.bytes[k];
    const i = bytes && arrivals.downloading[k] ? download.bytes.findIndex((b) => download.offset + b >= bytes) : -1;
    return i >= 0 ? [at - download.times[i]] : [];
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
function row(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const cells = [50, 95, 99].map((p) => String(percentile(sorted, p)).padStart(6)).join('') + String(sorted.at(-1)).padStart(6);
  return `  ${label.padEnd(58)}${cells}   (${sorted.length} samples)`;
}
const p99 = (values: number[]) => percentile([...values].sort((a, b) => a - b), 99);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

type WatchReport = Extract<WatcherReport, { type: 'done' }>;

/** Client processes of bench/fanout-watchers.ts, driven over IPC. */
class WatcherProcesses {
  private readonly procs: ChildProcess[] = [];

  constructor(private readonly baseUrl: string, private readonly token: string) {}

  /** `count` more sockets, spread over `processes` new client processes. */
  async add(count: number, processes: number): Promise<void> {
    await Promise.all(Array.from({ length: processes }, (_, p) => {
      const share = Math.floor(count / processes) + (p < count % processes ? 1 : 0);
      const proc = fork(path.join(__dirname, 'fanout-watchers.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.procs.push(proc);
      return this.ask(proc, { type: 'connect', baseUrl: this.baseUrl, token: this.token, count: share }, 'connected');
    }));
  }

  /** Every socket subscribes; resolves once all have, with `ended`: the reports once all saw the job end. */
  async watch(jobId: string, arrivals: boolean): Promise<{ ended: Promise<WatchReport[]> }> {
    const done = this.procs.map((proc) => next<WatcherReport, 'done'>(proc, 'done'));
    await Promise.all(this.procs.map((proc) => this.ask(proc, { type: 'watch', jobId, arrivals }, 'subscribed')));
    return { ended: Promise.all(done) };
  }

  close(): void {
    for (const proc of this.procs) if (proc.connected) proc.send({ type: 'close' } satisfies WatcherCommand);
  }

  private ask<T extends WatcherReport['type']>(proc: ChildProcess, command: WatcherCommand, answer: T) {
    const reply = next<WatcherReport, T>(proc, answer);
    proc.send(command);
    return reply;
  }
}

/** The next IPC message of `type` from a child (an `error` report, or its exit, rejects). */
function next<R extends { type: string }, T extends R['type']>(proc: ChildProcess, type: T): Promise<Extract<R, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (report: R) => {
      if (report.type === 'error') reject(new Error(`${path.basename(proc.spawnargs.at(-1)!)}: ${(report as { message?: string }).message}`));
      else if (report.type === type) resolve(report as Extract<R, { type: T }>);
      else return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
    };
    const onExit = (code: number | null) => reject(new Error(`${path.basename(proc.spawnargs.at(-1)!)} exited (${code}) before '${type}'`));
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

/** Watchers and the probe subscribe to `jobId`, then `go()` starts the run; resolves when all saw its end. */
async function watchRun(watchers: WatcherProcesses, probe: WatcherProcesses | null, jobId: string, arrivals: boolean, go: () => void) {
  const seen = await watchers.watch(jobId, arrivals);
  const probeSeen = await probe?.watch(jobId, arrivals);
  go();
  return { reports: await seen.ended, probe: (await probeSeen?.ended)?.[0] ?? null };
}

/** Samples a process's RSS from outside (/proc) until stopped; returns the peak. */
function rssSampler(pid: number): () => number {
  let peak = rssBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
  return () => (clearInterval(timer), Math.max(peak, rssBytes(pid)));
}

runBench({ separateWorker: true }, async (env) => {
  const clip = await makeLongMp4(env.dir, CLIP_SECONDS);
  const origin = await wireOrigin(clip);
  const plain = fork(path.join(__dirname, 'fanout-plain-server.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const plainUrl = (await next<PlainServerReport, 'listening'>(plain, 'listening')).url;
  const toPlain = (command: PlainServerCommand) => plain.send(command);
  const apiPid = env.app.proc.pid!;
  const closers: Array<() => void> = [];
  const watchersOf = (baseUrl: string) => {
    const w = new WatcherProcesses(baseUrl, env.token);
    closers.push(() => w.close());
    return w;
  };
  try {
    console.log(`app: ${APP_DIST}/main.js, role api, one worker process beside it; by hand: a bare socket.io server (bench/fanout-plain-server.ts)`);
    console.log(`clip: ${CLIP_SECONDS} s H.264 mp4 (${(fs.statSync(clip).size / 1e6).toFixed(1)} MB) sent at ${BYTES_PER_SECOND / 1000} KB/s in ${CHUNK / 1024} KiB chunks by a logging origin`);
    const appIdle = rssBytes(apiPid);
    const plainIdle = rssBytes(plain.pid!);

    // Freshness, app: exactly FRESHNESS_WATCHERS sockets, the probe's subscribed last.
    const appWatchers = watchersOf(env.app.baseUrl);
    const appProbe = watchersOf(env.app.baseUrl);
    await appWatchers.add(FRESHNESS_WATCHERS - 1, FRESHNESS_PROCESSES);
    await appProbe.add(1, 1);
    origin.hold();
    const { body: job } = await env.http.post('/api/jobs', { url: origin.url });
    const app = await watchRun(appWatchers, appProbe, job.id, true, () => origin.release());
    const appDownload = takeDownload(origin);

    // Freshness by hand: yt-dlp's lines straight into a bare socket.io server, the same number of watchers.
    const handWatchers = watchersOf(plainUrl);
    const handProbe = watchersOf(plainUrl);
    await handWatchers.add(FRESHNESS_WATCHERS - 1, FRESHNESS_PROCESSES);
    await handProbe.add(1, 1);
    const argv = ['--ignore-config', '--no-cache-dir', ...YTDLP_PROGRESS, '-q', '-o', `${env.dir}/by-hand.%(ext)s`, '--', origin.url];
    const ytdlpDone = next<PlainServerReport, 'sent'>(plain, 'sent');
    const hand = await watchRun(handWatchers, handProbe, 'by-hand', true, () => toPlain({ type: 'ytdlp', argv, jobId: 'by-hand' }));
    const lines = (await ytdlpDone).lines;
    const handDownload = takeDownload(origin);
    handWatchers.close();
    handProbe.close();

    const everyone = (run: typeof app) => [...run.reports, run.probe!].flatMap((r) => r.arrivals);
    const stale = (run: typeof app, download: Sent) => everyone(run).flatMap((a) => chunkStaleness(a, download));
    const appStale = stale(app, appDownload);
    const handStale = stale(hand, handDownload);
    const ytdlpAlone: SocketArrivals = { at: lines.map((l) => l.at), bytes: lines.map((l) => l.bytes), written: [], downloading: lines.map(() => true) };
    const finals = [...app.reports, app.probe!].reduce((n, r) => n + r.finals, 0);
    console.log(`\nfreshness at ${FRESHNESS_WATCHERS} watchers: origin bytes → client event, per ${CHUNK / 1024} KiB chunk and watcher (ms)      p50   p95   p99   max`);
    console.log(row('app', appStale));
    console.log(row('by hand: yt-dlp → bare socket.io', handStale));
    console.log(row("by hand: yt-dlp's own progress lines (its stdout)", chunkStaleness(ytdlpAlone, handDownload)));
    console.log(row('app, the probe (written last, idle client)', chunkStaleness(app.probe!.arrivals[0], appDownload)));
    console.log(row('by hand, the probe', chunkStaleness(hand.probe!.arrivals[0], handDownload)));
    console.log(row('app, per event (arrival − when its freshest byte left)', everyone(app).flatMap((a) => eventLateness(a, appDownload))));
    console.log(row('by hand, per event', everyone(hand).flatMap((a) => eventLateness(a, handDownload))));
    const written = everyone(app).flatMap((a) => a.at.flatMap((at, k) => (a.downloading[k] ? [at - a.written[k]] : [])));
    console.log(row("app, per event: the worker's write (updatedAt) → client", written));
    const loop = (run: typeof app) => `p99 ${run.reports.map((r) => r.loopDelay.p99).join(' / ')} ms, max ${Math.max(...run.reports.map((r) => r.loopDelay.max))} ms`;
    console.log(`  watchers' own event-loop delay: app run ${loop(app)}; by hand ${loop(hand)}`);
    console.log(`  final event reached ${finals}/${FRESHNESS_WATCHERS}; by hand: yt-dlp ${argv.join(' ')}`);
    const [appP99, handP99] = [p99(appStale), p99(handStale)];
    console.log(`  → app p99 ${appP99} ms = by hand ${handP99} ms + ${appP99 - handP99} ms (${(appP99 / handP99).toFixed(2)}×); goal p99 < ${GOAL_P99_MS} ms: ${appP99 < GOAL_P99_MS ? 'met' : `missed by ${appP99 - GOAL_P99_MS + 1} ms`}`);

    // Memory, app: MEMORY_WATCHERS sockets, every one sent every event of the job.
    await appWatchers.add(MEMORY_WATCHERS - FRESHNESS_WATCHERS, MEMORY_PROCESSES);
    const appWithSockets = rssBytes(apiPid);
    const published: Array<{ at: number; json: string }> = [];
    const tap = new Redis(env.redisUrl);
    tap.on('message', (_channel: string, json: string) => published.push({ at: Date.now(), json }));
    await tap.subscribe(channels.jobEvents);
    const appPeak = rssSampler(apiPid);
    origin.hold();
    const { body: second } = await env.http.post('/api/jobs', { url: origin.url });
    const many = await watchRun(appWatchers, appProbe, second.id, false, () => origin.release());
    const appPeakRss = appPeak();
    await tap.quit();
    appWatchers.close();
    appProbe.close();
    const manyReports = [...many.reports, many.probe!];
    const counts = manyReports.flatMap((r) => r.eventsPerSocket).sort((a, b) => a - b);

    // Memory by hand: the same number of sockets on the bare server, sent the same snapshots with the same spacing.
    const events = published.filter((e) => e.json.includes(`"id":"${second.id}"`)).map((e, _, all) => ({ afterMs: e.at - all[0].at, json: e.json }));
    const counted = events.filter((e) => !/"state":"(queued|probing)"/.test(e.json)).length;
    const handMany = watchersOf(plainUrl);
    await handMany.add(MEMORY_WATCHERS, MEMORY_PROCESSES + FRESHNESS_PROCESSES);
    const plainWithSockets = rssBytes(plain.pid!);
    const plainPeak = rssSampler(plain.pid!);
    const replayed = await watchRun(handMany, null, second.id, false, () => toPlain({ type: 'replay', events }));
    const plainPeakRss = plainPeak();
    const handFinals = replayed.reports.reduce((n, r) => n + r.finals, 0);

    console.log(`\n${MEMORY_WATCHERS} watchers on one process, the job sending progress (${events.length} events)     idle  with sockets  peak    per socket`);
    const memRow = (label: string, idle: number, withSockets: number, peak: number) =>
      `  ${label.padEnd(58)}${mib(idle).padStart(8)}${mib(withSockets).padStart(10)}${mib(peak).padStart(10)}  ${((withSockets - idle) / MEMORY_WATCHERS / 1024).toFixed(1)} KiB`;
    console.log(memRow('app: api RSS', appIdle, appWithSockets, appPeakRss));
    console.log(memRow('by hand: bare socket.io server RSS, same snapshots replayed', plainIdle, plainWithSockets, plainPeakRss));
    const handCounts = replayed.reports.flatMap((r) => r.eventsPerSocket).sort((a, b) => a - b);
    console.log(`  final event reached: app ${manyReports.reduce((n, r) => n + r.finals, 0)}/${MEMORY_WATCHERS}, by hand ${handFinals}/${MEMORY_WATCHERS}; of the ${counted} events from 'downloading' on, each watcher got: app ${counts[0]}–${counts.at(-1)}, by hand ${handCounts[0]}–${handCounts.at(-1)}`);
    console.log(`  → app peak ${mib(appPeakRss)} = ${(appPeakRss / plainPeakRss).toFixed(2)}× by hand; goal < ${mib(GOAL_RSS)}: ${appPeakRss < GOAL_RSS ? 'met' : `missed by ${mib(appPeakRss - GOAL_RSS)}`}`);
  } finally {
    closers.forEach((close) => close());
    plain.kill();
    origin.close();
  }
});
