// What a log line is about, carried across awaits: the job a worker stage or a request works on.
// Pure (node:async_hooks only), so the logger, the request middleware and the stage hook share it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { JOB_ID_PATTERN } from '../common/ids';

export interface LogContext {
  jobId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with every line it logs (through awaits and timers it starts) about `context`. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/**
 * From here to the end of the calling async function, lines are about `context`. Call it only
 * after the function's first await: before that it would also mark the caller's own lines.
 */
export function enterLogContext(context: LogContext): void {
  storage.enterWith({ ...storage.getStore(), ...context });
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

// "Job <id>", "job <id>": how our messages name a job outside any context (e.g. BullMQ's events).
const JOB_IN_MESSAGE = new RegExp(`\\b[Jj]ob (${JOB_ID_PATTERN.source.replace(/^\^|\$$/g, '')})(?![A-Za-z0-9_-])`);

/** The job a line is about: its context, else the job its message names, else none. */
export function jobIdOfLine(message: string): string | undefined {
  const context = currentLogContext()?.jobId;
  if (context) return context;
  const named = JOB_IN_MESSAGE.exec(message)?.[1];
  // A random id is almost never all lower-case letters; an English word ("job successfully") is.
  return named && /[^a-z]/.test(named) ? named : undefined;
}

// Paths that name one job: /api/jobs/<id>…, /media/<id>/….
const JOB_IN_PATH = new RegExp(`^/(?:api/jobs|media)/(${JOB_ID_PATTERN.source.replace(/^\^|\$$/g, '')})(?:[/?]|$)`);

/** The job a request is about, from its path. */
export function jobIdOfPath(path: string): string | undefined {
  return JOB_IN_PATH.exec(path)?.[1];
}
