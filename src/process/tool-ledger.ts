// Which tools each worker process has running, kept as files under DATA_DIR so that the next worker
// on this host can stop what a dead one left (the pdeathsig guard is the first line; this is the
// second, for the instant between a spawn and its guard taking hold, or a host without setpriv).
// Liveness is judged by pid plus the kernel's start time, never by a process name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ProcStat {
  state: string;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, it names one process for good. */
  startTicks: number;
}

/** /proc/<pid>/stat, or null when the process is gone (zombies count as gone). */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) S ppid pgrp session tty tpgid flags … starttime": comm may hold spaces or parens.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const stat = { state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), startTicks: Number(rest[19]) };
  return stat.state === 'Z' || stat.state === 'X' ? null : stat;
}

/** Where the ledgers of this DATA_DIR's workers on this host live. */
export function ledgerRoot(dataDir: string, host = os.hostname()): string {
  return path.join(dataDir, 'run', 'tools', host.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/** `group`: a tool in its own process group (runTool), stopped with everything it started; `pid`: that process only. */
export type LedgerKind = 'group' | 'pid';

const ENTRY = /^(group|pid)-(\d+)-(\d+)$/;
const WORKER_DIR = /^(\d+)-(\d+)$/;

/** One worker process's ledger: a folder named for it, one empty file per running tool. */
export class ToolLedger {
  private constructor(readonly dir: string) {}

  /** This process's ledger under `root` (ledgerRoot()). */
  static open(root: string): ToolLedger {
    const self = procStat(process.pid);
    const dir = path.join(root, `${process.pid}-${self?.startTicks ?? 0}`);
    fs.mkdirSync(dir, { recursive: true });
    return new ToolLedger(dir);
  }

  /** Synchronous on purpose: written before the spawn's caller returns, so no tool goes unrecorded. */
  record(kind: LedgerKind, pid: number): string | null {
    const stat = procStat(pid);
    if (!stat) return null; // gone already
    const name = path.join(this.dir, `${kind}-${pid}-${stat.startTicks}`);
    try {
      fs.writeFileSync(name, '');
      return name;
    } catch {
      return null; // a ledger we cannot write must never stop a job
    }
  }

  forget(entry: string | null): void {
    if (entry) fs.rmSync(entry, { force: true });
  }
}

export interface SweepResult {
  /** Ledgers of dead workers that were read and removed. */
  deadWorkers: number;
  /** Pids signalled (group leaders or lone tools; a group's members die with it). */
  killed: number[];
}

/**
 * Stops every tool recorded by a worker of this host that is no longer alive, and removes its
 * ledger. A live worker's ledger (pid alive with the recorded start time) is left alone.
 */
export function sweepDeadWorkers(root: string): SweepResult {
  const result: SweepResult = { deadWorkers: 0, killed: [] };
  let workers: string[];
  try {
    workers = fs.readdirSync(root);
  } catch {
    return result;
  }
  let groups: Map<number, number[]> | null = null;
  for (const worker of workers) {
    const w = WORKER_DIR.exec(worker);
    if (!w) continue;
    const [workerPid, workerTicks] = [Number(w[1]), Number(w[2])];
    if (workerPid === process.pid || procStat(workerPid)?.startTicks === workerTicks) continue; // alive
    const dir = path.join(root, worker);
    for (const entry of safeReaddir(dir)) {
      const e = ENTRY.exec(entry);
      if (!e) continue;
      const [kind, pid, ticks] = [e[1] as LedgerKind, Number(e[2]), Number(e[3])];
      const leader = procStat(pid);
      if (kind === 'pid') {
        if (leader?.startTicks === ticks && kill(pid)) result.killed.push(pid);
        continue;
      }
      // A process group's number cannot be reused while any member lives: with the leader gone,
      // members still in group `pid` are the ones it left (yt-dlp's ffmpeg, say).
      groups ??= processGroups();
      const ours = leader ? leader.startTicks === ticks : (groups.get(pid)?.length ?? 0) > 0;
      if (ours && kill(-pid)) result.killed.push(pid);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    result.deadWorkers += 1;
  }
  return result;
}

function processGroups(): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (!stat) continue;
    const list = groups.get(stat.pgid);
    if (list) list.push(Number(name));
    else groups.set(stat.pgid, [Number(name)]);
  }
  return groups;
}

function kill(target: number): boolean {
  try {
    process.kill(target, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
