// Linux /proc helpers: prove that a cancel or a stop leaves no yt-dlp/ffmpeg behind.
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './util';

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** ppid and state from /proc/<pid>/stat ("pid (comm) S ppid …"; comm may contain spaces or parens). */
function readStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * All descendants of `pid` (children, grandchildren, …), excluding zombies (exited, not yet reaped:
 * they hold no resources and their cmdline is empty).
 */
export function childProcessesOf(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const p of pids()) {
    const st = readStat(p);
    if (!st || st.state === 'Z') continue;
    const list = byParent.get(st.ppid);
    if (list) list.push(p);
    else byParent.set(st.ppid, [p]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift() as number;
    for (const child of byParent.get(parent) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

export interface ProcInfo {
  pid: number;
  /** argv joined with spaces, e.g. "/usr/bin/python3 /usr/bin/yt-dlp --newline …". */
  cmd: string;
}

/**
 * Live processes whose command line matches `pattern` (zombies and kernel threads have an empty
 * cmdline and never match; this process itself is excluded). Note that other jest workers run
 * suites in parallel: prefer childProcessesOf(app.proc.pid) or a pattern with a unique path/URL.
 */
export function processesMatching(pattern: RegExp): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    } catch {
      continue;
    }
    if (!cmd) continue;
    pattern.lastIndex = 0;
    if (pattern.test(cmd)) out.push({ pid, cmd });
  }
  return out;
}

/** Command lines of the given pids that are still alive (for error messages). */
export function describe(pidList: number[]): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of pidList) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
      if (cmd) out.push({ pid, cmd });
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Polls until `probe()` returns an empty list (e.g. `() => processesMatching(/yt-dlp .*127\.0\.0\.1:4567/)`)
 * and resolves; rejects with what is still running after `timeoutMs`.
 */
export async function waitForNoProcesses(probe: () => ProcInfo[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = probe();
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`processes still running after ${timeoutMs} ms:\n${left.map((p) => `${p.pid} ${p.cmd}`).join('\n')}`);
    }
    await sleep(50);
  }
}

export interface ProcIdentity {
  pid: number;
  pgid: number;
  /** Kernel start time (clock ticks since boot): a pid reused later has another. */
  startTicks: number;
  cmd: string;
}

/** pid, process group, start time and command line, or undefined once gone (zombies count as gone). */
export function identify(pid: number): ProcIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    return { pid, pgid: Number(rest[2]), startTicks: Number(rest[19]), cmd };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid`, identified (take it just before killing `pid`). */
export function descendantsOf(pid: number): ProcIdentity[] {
  return childProcessesOf(pid)
    .map(identify)
    .filter((p): p is ProcIdentity => p !== undefined);
}

/** Those of `before` still running as the same process (same pid and start time). */
export function stillRunning(before: ProcIdentity[]): ProcIdentity[] {
  return before.filter((p) => identify(p.pid)?.startTicks === p.startTicks);
}

/** Live processes in any of these process groups (a tool's group holds whatever it started). */
export function membersOfGroups(pgids: Iterable<number>): ProcIdentity[] {
  const wanted = new Set(pgids);
  return pids()
    .map(identify)
    .filter((p): p is ProcIdentity => p !== undefined && wanted.has(p.pgid) && p.pid !== process.pid);
}

/** The download and convert tools (yt-dlp, its python, ffmpeg, ffprobe) running under `pid` now. */
export function toolsUnder(pid: number): ProcInfo[] {
  return describe(childProcessesOf(pid)).filter((p) => /yt-dlp|ffmpeg|ffprobe|python/.test(p.cmd));
}
