// The fan-out of bench/fanout.bench.ts done by hand: a bare socket.io server (no NestJS, no Redis,
// no app), as its documentation writes one. Watchers connect to it exactly as to the app; the
// benchmark tells it over IPC what to send:
// - `ytdlp`: run yt-dlp and send every progress line, as a job snapshot, to every socket the
//   moment it is printed (the freshness by hand: origin → yt-dlp → socket.io → client);
// - `replay`: send the snapshots the app sent, with the same spacing (the memory by hand).
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Server } from 'socket.io';

export type PlainServerCommand =
  | { type: 'ytdlp'; argv: string[]; jobId: string }
  | { type: 'replay'; events: Array<{ afterMs: number; json: string }> };

/** `sent`: with `ytdlp`, each line's time and bytes (yt-dlp's own progress, before any socket). */
export type PlainServerReport =
  | { type: 'listening'; url: string }
  | { type: 'sent'; events: number; lines: Array<{ at: number; bytes: number | null }> };

const send = (report: PlainServerReport) => process.send!(report);
const httpServer = http.createServer();
const io = new Server(httpServer, { serveClient: false });
const everyone = 'watchers';

io.of('/jobs').on('connection', (socket) => {
  void socket.join(everyone);
  socket.on('subscribe', (_payload: unknown, ack: (reply: { ok: true }) => void) => ack({ ok: true }));
});

const snapshot = (id: string, state: string, downloadedBytes: number | null) => ({ id, state, updatedAt: new Date().toISOString(), progress: { downloadedBytes } });

process.on('disconnect', () => process.exit(0));
process.on('message', (command: PlainServerCommand) => {
  const jobs = io.of('/jobs').to(everyone);
  if (command.type === 'ytdlp') {
    const lines: Array<{ at: number; bytes: number | null }> = [];
    const child = spawn('yt-dlp', command.argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push({ at: Date.now(), bytes: Number(line) || null });
      jobs.emit('job', snapshot(command.jobId, 'downloading', lines.at(-1)!.bytes));
    });
    child.on('close', () => {
      jobs.emit('job', snapshot(command.jobId, 'completed', lines.at(-1)?.bytes ?? null));
      send({ type: 'sent', events: lines.length + 1, lines });
    });
  } else {
    const started = Date.now();
    let next = 0;
    const tick = () => {
      for (; next < command.events.length && command.events[next].afterMs <= Date.now() - started; next++) jobs.emit('job', JSON.parse(command.events[next].json));
      if (next < command.events.length) setTimeout(tick, Math.max(0, command.events[next].afterMs - (Date.now() - started)));
      else send({ type: 'sent', events: next, lines: [] });
    };
    tick();
  }
});

httpServer.listen(0, '127.0.0.1', () => send({ type: 'listening', url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` }));
