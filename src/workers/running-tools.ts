// Which tools a worker has running, from Linux's /proc: every yt-dlp, ffmpeg and ffprobe among the
// worker's descendants (the ffmpeg a yt-dlp starts for HLS or a merge counts too). Read from the
// processes themselves rather than from our own bookkeeping, so an operator sees what really runs.
import { readdirSync, readFileSync } from 'node:fs';

export const TOOL_NAMES = ['yt-dlp', 'ffmpeg', 'ffprobe'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface ProcRow {
  pid: number;
  ppid: number;
  /** The kernel's name of the process (`/proc/<pid>/comm`, at most 15 characters). */
  comm: string;
  /** `R`, `S`, `Z` (zombie: exited, not reaped)… */
  state: string;
}

const isTool = (comm: string): comm is ToolName => (TOOL_NAMES as readonly string[]).includes(comm);

/**
 * Tools running under `rootPid`, by name. Pure. A zombie holds nothing and is not counted; a
 * process that carries its parent's tool name is that tool's fork about to exec something else
 * (yt-dlp forks before running ffmpeg), not a second tool.
 */
export function countTools(rows: readonly ProcRow[], rootPid: number): Record<ToolName, number> {
  const counts = Object.fromEntries(TOOL_NAMES.map((t) => [t, 0])) as Record<ToolName, number>;
  const children = new Map<number, ProcRow[]>();
  for (const row of rows) {
    if (row.state === 'Z') continue;
    const list = children.get(row.ppid);
    if (list) list.push(row);
    else children.set(row.ppid, [row]);
  }
  const walk = (pid: number, parentComm: string | null, depth: number): void => {
    if (depth > 32) return; // a pid reused in a cycle cannot hang us
    for (const child of children.get(pid) ?? []) {
      if (isTool(child.comm) && child.comm !== parentComm) counts[child.comm] += 1;
      walk(child.pid, child.comm, depth + 1);
    }
  };
  walk(rootPid, null, 0);
  return counts;
}

/** `/proc/<pid>/stat` of every process: "pid (comm) S ppid …" (comm may hold spaces or parens). */
export function readProcRows(): ProcRow[] {
  const rows: ProcRow[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return rows; // not Linux: no tool counts
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const rest = stat.slice(close + 2).split(' ');
      rows.push({ pid: Number(name), comm: stat.slice(open + 1, close), state: rest[0], ppid: Number(rest[1]) });
    } catch {
      // exited meanwhile
    }
  }
  return rows;
}
