// One watcher process of bench/fanout.bench.ts: holds its share of the socket.io connections so
// that no single client event loop has to read every socket (1,000 frames a second from one
// process is a client bottleneck, not the api's). Driven over IPC by the benchmark; each arrival
// is stamped when socket.io hands the event over, and the process reports its own event-loop
// delay so that a reader can tell the client's share from the api's.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, Socket as BareSocket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/events/event-map';
import type { JobSnapshot } from '../src/jobs/job.types';
import { FINAL_STATES } from '../src/jobs/job.types';

type Socket = BareSocket<ServerToClientEvents, ClientToServerEvents>;

export type WatcherCommand =
  | { type: 'connect'; baseUrl: string; token: string; count: number }
  | { type: 'watch'; jobId: string; arrivals: boolean }
  | { type: 'close' };

/**
 * Per socket, per event: when it came (ms since the epoch), the bytes it said were downloaded,
 * when the worker wrote it (its updatedAt), and whether the job was still downloading.
 */
export interface SocketArrivals { at: number[]; bytes: Array<number | null>; written: number[]; downloading: boolean[] }

export type WatcherReport =
  | { type: 'connected'; sockets: number }
  | { type: 'subscribed' }
  | {
      type: 'done';
      finals: number;
      /** Events each socket got from `downloading` on (those come after every watcher subscribed). */
      eventsPerSocket: number[];
      arrivals: SocketArrivals[];
      /** This process's event-loop delay while it watched (ms). */
      loopDelay: { p50: number; p99: number; max: number };
    }
  | { type: 'error'; message: string };

/** The job's first events may come while the watchers are still subscribing: not counted. */
const BEFORE_DOWNLOAD = new Set(['queued', 'probing']);
const sockets: Socket[] = [];
const send = (report: WatcherReport) => process.send!(report);

function connect(baseUrl: string, token: string): Promise<Socket> {
  const socket: Socket = io(`${baseUrl}/jobs`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function connectAll(baseUrl: string, token: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => connect(baseUrl, token)))));
  }
  send({ type: 'connected', sockets: sockets.length });
}

async function watch(jobId: string, keepArrivals: boolean): Promise<void> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const arrivals: SocketArrivals[] = sockets.map(() => ({ at: [], bytes: [], written: [], downloading: [] }));
  const counts = sockets.map(() => 0);
  let finals = 0;
  const allFinal = Promise.all(
    sockets.map((socket, i) => new Promise<void>((resolve) => {
      const onJob = (snap: JobSnapshot) => {
        if (snap.id !== jobId) return;
        if (!BEFORE_DOWNLOAD.has(snap.state)) counts[i]++;
        if (keepArrivals) {
          const mine = arrivals[i];
          mine.at.push(Date.now());
          mine.bytes.push(snap.progress.downloadedBytes ?? null);
          mine.written.push(Date.parse(snap.updatedAt));
          mine.downloading.push(snap.state === 'downloading');
        }
        if (!FINAL_STATES.has(snap.state)) return;
        finals++;
        socket.off('job', onJob);
        resolve();
      };
      socket.on('job', onJob);
    })),
  );
  for (let i = 0; i < sockets.length; i += 200) {
    await Promise.all(sockets.slice(i, i + 200).map((s) => s.timeout(60_000).emitWithAck('subscribe', { jobId })));
  }
  loop.enable();
  send({ type: 'subscribed' });
  await allFinal;
  loop.disable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  send({
    type: 'done',
    finals,
    eventsPerSocket: counts,
    arrivals: keepArrivals ? arrivals : [],
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
  });
}

// The benchmark ended (or died): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
process.on('message', (command: WatcherCommand) => {
  const fail = (err: Error) => send({ type: 'error', message: err.message });
  if (command.type === 'connect') connectAll(command.baseUrl, command.token, command.count).catch(fail);
  else if (command.type === 'watch') watch(command.jobId, command.arrivals).catch(fail);
  else {
    sockets.forEach((s) => s.disconnect());
    process.exit(0);
  }
});
