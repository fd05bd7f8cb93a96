// One heartbeat per live worker process in Redis, with a TTL: what GET /api/admin/workers lists,
// what the yt-dlp update asks about, what the metrics sum, and what a worker's healthcheck reads.
// Pure types and keys (the healthcheck script and the tests import them).

export const workerKeys = {
  heartbeat: (workerId: string) => `vp:workers:${workerId}`,
  pattern: 'vp:workers:*',
  /** Every worker on one host (ids are `<host>:<pid>`). */
  patternOnHost: (host: string) => `vp:workers:${host.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*`,
} as const;

/** A worker beats every 10 s (every 2 s while it runs a job); this long without one, it is gone. */
export const WORKER_HEARTBEAT_TTL_SECONDS = 30;

export interface RunningJob {
  id: string;
  /** The pipeline stage (queue) running it: `download`, `transcode`. */
  stage: string;
  startedAt: string;
}

export interface WorkerHeartbeat {
  /** `<host>:<pid>` */
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  lastHeartbeatAt: string;
  /** Slots per stage, e.g. `{ download: 2, transcode: 1 }`. */
  concurrency: Record<string, number>;
  runningJobs: RunningJob[];
  /** Tool processes running under the worker now, by name (as of its last heartbeat). */
  runningTools: Record<string, number>;
  /** `manageable`: it may manage its own (no YTDLP_PATH), even while it falls back to the system's. */
  ytdlp: { version: string | null; managed: boolean; manageable?: boolean };
  ffmpeg: { version: string | null };
  node: string;
}

/** A stored heartbeat, or null for anything that is not one (never trust what Redis holds). */
export function parseHeartbeat(text: string | null): WorkerHeartbeat | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const w = value as Partial<WorkerHeartbeat> | null;
  if (!w || typeof w.id !== 'string' || typeof w.host !== 'string' || typeof w.pid !== 'number') return null;
  if (typeof w.lastHeartbeatAt !== 'string' || !Array.isArray(w.runningJobs) || typeof w.concurrency !== 'object' || !w.ytdlp) return null;
  return w as WorkerHeartbeat;
}
