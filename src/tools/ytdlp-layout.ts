import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A managed yt-dlp on disk: `TOOLS_DIR/yt-dlp/versions/<stamp>/` is one virtualenv per install,
 * `current` a symlink to the one in use (replaced by a rename, so it is never half-switched),
 * `versions/<stamp>/.in-use/<pid>` marks a folder a process's jobs are running.
 */
export class YtdlpLayout {
  readonly root: string;
  readonly versions: string;
  readonly current: string;
  readonly lock: string;
  readonly state: string;

  constructor(toolsDir: string) {
    this.root = path.join(toolsDir, 'yt-dlp');
    this.versions = path.join(this.root, 'versions');
    this.current = path.join(this.root, 'current');
    this.lock = path.join(this.root, '.install-lock');
    this.state = path.join(this.root, 'state.json');
  }

  binaryIn(folder: string): string {
    return path.join(folder, 'bin', 'yt-dlp');
  }

  /** The real folder `current` points at, when it holds a finished install; else null. */
  async currentFolder(): Promise<string | null> {
    try {
      const folder = await fs.realpath(this.current);
      await fs.access(path.join(folder, COMPLETE_MARKER));
      return folder;
    } catch {
      return null;
    }
  }

  /** A new, unique folder name that sorts by time. */
  newFolder(now = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return path.join(this.versions, `${stamp}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`);
  }

  /** Points `current` at `folder` in one rename: a reader sees the old target or the new one. */
  async switchTo(folder: string): Promise<void> {
    const tmp = `${this.current}.${process.pid}.${Date.now()}.tmp`;
    await fs.symlink(path.relative(this.root, folder), tmp);
    await fs.rename(tmp, this.current);
  }

  inUseDir(folder: string): string {
    return path.join(folder, '.in-use');
  }
}

/** Written last into a version folder: without it the folder is an unfinished install. */
export const COMPLETE_MARKER = '.vidpipe-complete';

export interface InstallState {
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  /** Why the last attempt failed, in a sentence. */
  lastFailure?: string;
}

export async function readInstallState(layout: YtdlpLayout): Promise<InstallState> {
  try {
    return JSON.parse(await fs.readFile(layout.state, 'utf8')) as InstallState;
  } catch {
    return {};
  }
}

export async function writeInstallState(layout: YtdlpLayout, state: InstallState): Promise<void> {
  await fs.mkdir(layout.root, { recursive: true });
  const tmp = `${layout.state}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2));
  await fs.rename(tmp, layout.state);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One installer at a time per TOOLS_DIR (several processes may share it): a lock folder with the
 * owner's pid, taken over when that process is gone. Returns null when another live process holds it.
 */
export async function takeInstallLock(layout: YtdlpLayout): Promise<(() => Promise<void>) | null> {
  await fs.mkdir(layout.root, { recursive: true });
  const pidFile = path.join(layout.lock, 'pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.mkdir(layout.lock);
      await fs.writeFile(pidFile, String(process.pid));
      // Only our own lock is removed: a process that took over a lock it thought stale keeps its own.
      return async () => {
        if ((await fs.readFile(pidFile, 'utf8').catch(() => '')) === String(process.pid)) await fs.rm(layout.lock, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await fs.readFile(pidFile, 'utf8').catch(() => '0'));
      const age = Date.now() - (await fs.stat(layout.lock).then((s) => s.mtimeMs).catch(() => Date.now()));
      // Stale: its owner died, or it is this very pid (a container's worker is pid 1 on every
      // start, and this process's own installs never overlap), or it never got a pid in a minute.
      const ownerLives = owner > 0 && owner !== process.pid && isAlive(owner);
      if (ownerLives || (owner === 0 && age < 60_000)) return null;
      // Moved aside in one rename: of two processes taking over together, only one succeeds.
      const aside = `${layout.lock}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
      try {
        await fs.rename(layout.lock, aside);
      } catch {
        return null;
      }
      // Another process took it over between our read and the rename: give its live lock back.
      if (Number(await fs.readFile(path.join(aside, 'pid'), 'utf8').catch(() => '0')) !== owner) {
        await fs.rename(aside, layout.lock).catch(() => undefined);
        return null;
      }
      await fs.rm(aside, { recursive: true, force: true });
    }
  }
  return null;
}
