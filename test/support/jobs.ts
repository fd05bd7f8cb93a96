// Watching jobs the three ways a client can: socket.io /jobs, REST polling, and SSE.
import { io, ManagerOptions, Socket as BareSocket, SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/events/event-map';
import { FINAL_STATES, type JobSnapshot, type JobState } from '../../src/jobs/job.types';
import type { ApiHelpers } from './api';
import { sleep } from './util';

/** A client of namespace /jobs, typed by the server's event map. */
export type Socket = BareSocket<ServerToClientEvents, ClientToServerEvents>;

export { FINAL_STATES } from '../../src/jobs/job.types';

export function isFinal(state: unknown): boolean {
  return typeof state === 'string' && FINAL_STATES.has(state as JobState);
}

/**
 * Connects to the `/jobs` namespace with `auth: { token }` over websocket only. Resolves on
 * `connect`; rejects on `connect_error` (e.g. a refused handshake) or after 10 s, closing the socket.
 * Reconnection is off unless `opts` turns it on.
 */
export function connectJobsSocket(
  baseUrl: string,
  token: string,
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Socket> {
  const socket: Socket = io(`${baseUrl}/jobs`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 10000,
    ...opts,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.close();
      reject(new Error(`socket.io connect to ${baseUrl}/jobs timed out`));
    }, 10000);
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.close();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

type Ack = Parameters<Parameters<ClientToServerEvents['subscribe']>[1]>[0];
/** The server's ack with both of its shapes' fields readable (a test asserts `ok`, then reads `job`). */
export type SubscribeAck = Pick<Ack, 'ok'> & Partial<Omit<Extract<Ack, { ok: true }>, 'ok'> & Omit<Extract<Ack, { ok: false }>, 'ok'>>;

/** Emits `subscribe { jobId }` and resolves with the ack (rejects if none comes within timeoutMs). */
export async function subscribe(socket: Socket, jobId: string, timeoutMs = 5000): Promise<SubscribeAck> {
  return socket.timeout(timeoutMs).emitWithAck('subscribe', { jobId });
}

/** Emits `unsubscribe { jobId }` (with an ack if the server gives one, else after 200 ms). */
export async function unsubscribe(socket: Socket, jobId: string): Promise<void> {
  try {
    await socket.timeout(200).emitWithAck('unsubscribe', { jobId });
  } catch {
    // the server may not ack unsubscribe
  }
}

/**
 * Collects `job` events whose `id` is `jobId`. Attach it BEFORE subscribe() so nothing is missed.
 * untilFinal: resolves at the first completed/failed/cancelled event, rejects (listing the states
 * seen) on timeout or disconnect. !untilFinal: resolves with whatever arrived after `timeoutMs`.
 */
export function collectJobEvents(socket: Socket, jobId: string, untilFinal = true, timeoutMs = 60000): Promise<JobSnapshot[]> {
  const events: JobSnapshot[] = [];
  return new Promise((resolve, reject) => {
    const summary = (): string => events.map((e) => `${e.state}#${e.seq}`).join(', ') || 'none';
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('job', onJob);
      socket.off('disconnect', onDisconnect);
      if (err) reject(err);
      else resolve(events);
    };
    const onJob = (payload: JobSnapshot): void => {
      if (!payload || payload.id !== jobId) return;
      events.push(payload);
      if (untilFinal && isFinal(payload.state)) finish();
    };
    const onDisconnect = (reason: string): void => {
      if (untilFinal) finish(new Error(`socket disconnected (${reason}) before job ${jobId} ended; events: ${summary()}`));
    };
    const timer = setTimeout(() => {
      if (untilFinal) finish(new Error(`job ${jobId} did not reach a final state within ${timeoutMs} ms; events: ${summary()}`));
      else finish();
    }, timeoutMs);
    socket.on('job', onJob);
    socket.on('disconnect', onDisconnect);
  });
}

/**
 * Polls GET /api/jobs/:id every 100 ms until its state is one of `states` and resolves with the
 * snapshot. Fails early if the job ends in a final state that is not wanted, or answers non-200.
 */
export async function waitForState(apiHelpers: ApiHelpers, jobId: string, states: string[], timeoutMs = 30000): Promise<JobSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const res = await apiHelpers.get(`/api/jobs/${encodeURIComponent(jobId)}`);
    if (res.status !== 200) {
      throw new Error(`GET /api/jobs/${jobId} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    last = res.body;
    const state: unknown = res.body.state;
    if (typeof state === 'string' && states.includes(state)) return res.body;
    if (isFinal(state)) {
      throw new Error(`job ${jobId} ended ${String(state)} while waiting for ${states.join('|')}: ${JSON.stringify(res.body)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`job ${jobId} not in ${states.join('|')} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    }
    await sleep(100);
  }
}

export interface SseFrame {
  event: string;
  data: string;
  id?: string;
}

/**
 * Splits a text/event-stream buffer into complete frames; returns them and the unparsed rest.
 * Frames end with a blank line; `data:` lines join with "\n"; comment lines (":") are skipped.
 */
export function parseSse(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const parts = normalized.split('\n\n');
  const rest = parts.pop() ?? '';
  for (const block of parts) {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      any = true;
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (any && data.length) frames.push({ event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
  }
  return { frames, rest };
}

/**
 * GETs a text/event-stream with `Authorization: Bearer <token>` and reads it until the server ends
 * it; resolves with the JSON-parsed `data` of every `event: job` frame. Rejects on a non-200
 * answer, a wrong content type, or if the stream is still open after `timeoutMs`.
 */
export async function readSse(baseUrl: string, path: string, token: string, timeoutMs = 60000): Promise<JobSnapshot[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const out: JobSnapshot[] = [];
  try {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`${baseUrl}${path}`, { headers, signal: controller.signal });
    if (res.status !== 200) {
      throw Object.assign(new Error(`GET ${path} answered ${res.status}: ${await res.text()}`), { status: res.status });
    }
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream')) {
      throw new Error(`GET ${path} answered content-type "${type}", not text/event-stream`);
    }
    if (!res.body) return out;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffer += decoder.decode(value, { stream: !done });
      const { frames, rest } = parseSse(done ? `${buffer}\n\n` : buffer);
      buffer = rest;
      for (const f of frames) if (f.event === 'job') out.push(JSON.parse(f.data) as JobSnapshot);
      if (done) return out;
    }
  } catch (err) {
    if (controller.signal.aborted) {
      throw new Error(
        `SSE ${path} still open after ${timeoutMs} ms; got ${out.length} job events: ${out.map((e) => e.state).join(', ')}`,
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
