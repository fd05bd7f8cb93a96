// A run's private folder (`…/private`, 0700) holds the owner's cookies in clear while yt-dlp runs.
// Its run removes it on close; a process killed mid-run cannot, so the folder names its owner in a
// marker, and a sweep (at a worker's start and in the reconciler) removes every folder whose owner
// is gone. Pure of NestJS: the tests call the sweep directly.
import { constants as fsConstants, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../config/config';
import { attemptOfFolderName, privateFolderIn, SUBSCRIPTIONS_DIR, workPaths } from '../jobs/job-paths';
import { workerKeys } from '../workers/worker-keys';

/** The owner marker inside a private folder; a dot-file, so yt-dlp and the media routes never see it. */
export const OWNER_FILE = '.owner';
/** A private folder without a readable marker is given this long (its run may be writing the marker). */
export const UNMARKED_GRACE_MS = 60_000;
const MAX_MARKER_BYTES = 1024;

export interface FolderOwner {
  /** `<host>:<pid>`, the id of the worker's heartbeat (`workerKeys.heartbeat`). */
  workerId: string;
  host: string;
  pid: number;
  /** The kernel's start time of `pid` (clock ticks since boot): a reused pid is not the owner. */
  startTicks: number;
}

/**
 * The kernel's start time of a running `pid` (field 22 of /proc/<pid>/stat, as tool-ledger reads it;
 * not imported, so cookies/ does not import pipeline/); null when it is gone or a zombie, 0 without /proc.
 */
export function startTicksOf(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || readableProc()) return null;
    return isRunning(pid) ? 0 : null; // no procfs here: only "is that pid running" can be asked
  }
  // "pid (comm) S ppid … starttime": comm may hold spaces or parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return rest[0] === 'Z' || rest[0] === 'X' ? null : Number(rest[19]);
}

function readableProc(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's, but running
  }
}

/** The marker this process writes. */
export function ownMarker(): FolderOwner {
  const host = os.hostname();
  return { workerId: `${host}:${process.pid}`, host, pid: process.pid, startTicks: startTicksOf(process.pid) ?? 0 };
}

/** A marker's text, or null for anything that is not one (a half-written or foreign file). */
export function parseOwnerMarker(text: string): FolderOwner | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const o = value as Partial<FolderOwner> | null;
  if (!o || typeof o.workerId !== 'string' || typeof o.host !== 'string' || !o.host) return null;
  if (!Number.isInteger(o.pid) || (o.pid as number) <= 0 || !Number.isInteger(o.startTicks)) return null;
  return o.workerId === `${o.host}:${o.pid}` ? (o as FolderOwner) : null;
}

/**
 * Makes `<runDir>/private` (0700) with this process's owner marker in it, and returns its path.
 * The marker goes first: a cookies file never sits in a folder that does not name its owner.
 */
export async function createPrivateFolder(runDir: string, owner: FolderOwner = ownMarker()): Promise<string> {
  const dir = privateFolderIn(runDir);
  await fsp.mkdir(dir, { mode: 0o700 });
  try {
    await fsp.writeFile(path.join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** A private folder found under the work folder, and what it belongs to (for the log line). */
export interface PrivateFolder {
  dir: string;
  /** "job <id> (attempt <n>)" or "subscription <id>". */
  belongsTo: string;
  /** The run folder of a subscription check (`subscriptions/<id>/<uuid>`): nobody else ever uses it. */
  subscriptionRunDir: string | null;
}

/** Subfolders of `dir` (never through a symlink); nothing when it cannot be read. */
async function subfolders(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** `private` under `runDir` when it is a real folder (a symlink there is not ours to follow). */
async function privateIn(runDir: string): Promise<string | null> {
  const dir = privateFolderIn(runDir);
  const stat = await fsp.lstat(dir).catch(() => null); // none there: this run has no private folder
  return stat?.isDirectory() ? dir : null;
}

/**
 * Every private folder of both layouts: `<workDir>/<jobId>/a<attempt>/private` and
 * `<workDir>/subscriptions/<subId>/<uuid>/private`. Four levels at most, no symlink followed.
 */
export async function findPrivateFolders(workDir: string): Promise<PrivateFolder[]> {
  const paths = workPaths(workDir);
  const found: PrivateFolder[] = [];
  for (const top of await subfolders(workDir)) {
    if (top === SUBSCRIPTIONS_DIR) {
      for (const subId of await subfolders(paths.subscriptions)) {
        for (const run of await subfolders(paths.subscription(subId))) {
          const runDir = paths.subscriptionRun(subId, run);
          const dir = await privateIn(runDir);
          if (dir) found.push({ dir, belongsTo: `subscription ${subId}`, subscriptionRunDir: runDir });
        }
      }
      continue;
    }
    for (const name of await subfolders(paths.work(top))) {
      const attempt = attemptOfFolderName(name);
      if (attempt === null) continue;
      // The name as found (not rebuilt from the number), so the folder swept is the one seen.
      const dir = await privateIn(path.join(paths.work(top), name));
      if (dir) found.push({ dir, belongsTo: `job ${top} (attempt ${attempt})`, subscriptionRunDir: null });
    }
  }
  return found;
}

/** The marker of `dir`, or null when there is none or it cannot be read (never through a symlink). */
export async function readOwnerMarker(dir: string): Promise<FolderOwner | null> {
  let handle: fsp.FileHandle | null = null;
  try {
    handle = await fsp.open(path.join(dir, OWNER_FILE), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    const buffer = Buffer.alloc(MAX_MARKER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_MARKER_BYTES, 0);
    return parseOwnerMarker(buffer.subarray(0, bytesRead).toString('utf8'));
  } catch {
    return null;
  } finally {
    await handle?.close().catch(() => undefined); // a read-only handle: the marker is read either way
  }
}

/** What the sweep needs of Redis: whether a worker's heartbeat is still there. */
export interface HeartbeatReader {
  exists(key: string): Promise<number>;
}

export type OwnerVerdict = { live: true } | { live: false; why: string };

/** Same host: the pid runs with the same start time. Another host: its heartbeat has not expired. */
export async function judgeOwner(owner: FolderOwner, redis: HeartbeatReader, host = os.hostname()): Promise<OwnerVerdict> {
  if (owner.host === host) {
    if (startTicksOf(owner.pid) === owner.startTicks) return { live: true };
    return { live: false, why: `its worker ${owner.workerId} is no longer running` };
  }
  // A Redis error throws: a folder is kept while its owner cannot be judged.
  if ((await redis.exists(workerKeys.heartbeat(owner.workerId))) > 0) return { live: true };
  return { live: false, why: `its worker ${owner.workerId} has no heartbeat any more` };
}

/**
 * Removes every private folder under `config.workDir` that no live process owns, and returns how
 * many it removed. A folder without a readable marker goes once it is older than 60 s. `log` gets
 * one line per folder (the job or subscription it belonged to, the owner; never a cookie).
 */
export async function removeOrphanPrivateFolders(
  config: Pick<AppConfig, 'workDir'>,
  redis: HeartbeatReader,
  log: (line: string) => void = () => undefined,
): Promise<number> {
  let removed = 0;
  for (const folder of await findPrivateFolders(config.workDir)) {
    // Not judged (Redis away, a marker unreadable): kept for now, the next sweep in 30 s judges again.
    const orphan = await orphanOf(folder.dir, redis).catch(() => null);
    if (!orphan) continue;
    // A retried job may have made a new folder at the same path since it was judged: leave that one be.
    const now = await fsp.lstat(folder.dir).catch(() => null); // gone meanwhile: nothing left to remove
    if (!now || now.ino !== orphan.ino || now.dev !== orphan.dev) continue;
    await fsp.rm(folder.dir, { recursive: true, force: true });
    if (folder.subscriptionRunDir) {
      // Only when empty, as the check itself does: the run folder, then the subscription's.
      await fsp.rmdir(folder.subscriptionRunDir).catch(() => undefined);
      await fsp.rmdir(path.dirname(folder.subscriptionRunDir)).catch(() => undefined);
    }
    removed++;
    log(`Removed the private folder (cookies) of ${folder.belongsTo}: ${orphan.why}`);
  }
  return removed;
}

/** Why `dir` is an orphan (and which folder was judged), or null when it is, or may still be, a live run's. */
async function orphanOf(dir: string, redis: HeartbeatReader): Promise<{ why: string; ino: number; dev: number } | null> {
  const stat = await fsp.lstat(dir).catch(() => null);
  if (!stat) return null; // gone meanwhile: its run closed
  const owner = await readOwnerMarker(dir);
  if (!owner) {
    const age = Date.now() - stat.mtimeMs;
    return age > UNMARKED_GRACE_MS ? { why: `it names no owner and is ${Math.round(age / 1000)} s old`, ino: stat.ino, dev: stat.dev } : null;
  }
  const verdict = await judgeOwner(owner, redis);
  return verdict.live ? null : { why: verdict.why, ino: stat.ino, dev: stat.dev };
}
