import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolveExecutable } from './executable';
import { StallWatch } from './tool-context';
import { guardedArgv } from './tool-guard';
import type { ToolLedger } from './tool-ledger';

export interface ToolRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** All of stdout when collectStdout, else ''. */
  stdout: string;
  /** The last lines of stderr, for error messages. */
  stderrTail: string;
  aborted: boolean;
  /** Killed because it printed nothing for the job's stall timeout (the job is failed by its stage). */
  stalled: boolean;
}

export interface ToolOptions {
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  collectStdout?: boolean;
  cwd?: string;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  maxStdoutBytes?: number;
}

/** How this process starts tools: set once by a worker at start (ToolsGuard); unset, tools run bare. */
export interface ToolLaunch {
  /** setpriv, for the pdeathsig group guard; null where it is missing. */
  setprivPath: string | null;
  ledger: ToolLedger | null;
}

let launch: ToolLaunch = { setprivPath: null, ledger: null };

export function configureToolLaunch(next: ToolLaunch): void {
  launch = next;
}

/**
 * Runs a tool with an argv array (never a shell). The tool gets its own process group so that
 * an abort kills it and everything it started (yt-dlp runs ffmpeg for merges and HLS) at once;
 * under the group guard (tool-guard.ts) that group also dies with this process, however it dies.
 */
export function runTool(command: string, args: string[], opts: ToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ exitCode: null, signal: 'SIGKILL', stdout: '', stderrTail: '', aborted: true, stalled: false });
      return;
    }
    const env = opts.env ? { ...process.env, ...opts.env } : process.env;
    // The guard would report a missing tool as exit 127: callers expect the rejection below.
    const { setprivPath, ledger } = launch;
    if (setprivPath && !resolveExecutable(command, env.PATH)) {
      reject(new Error(`${command} is not installed (not found on PATH)`));
      return;
    }
    const argv = setprivPath ? guardedArgv(setprivPath, command, args) : { command, args };
    const child = spawn(argv.command, argv.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env });
    const entry = child.pid ? (ledger?.record('group', child.pid) ?? null) : null;
    let stdout = '';
    let stdoutBytes = 0;
    const stderrLines: string[] = [];
    let aborted = false;

    const killGroup = () => {
      aborted = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    opts.signal?.addEventListener('abort', killGroup, { once: true });
    const stall = StallWatch.forTool(command, killGroup);
    child.stdout.on('data', () => stall.touch());
    child.stderr.on('data', () => stall.touch());

    createInterface({ input: child.stdout }).on('line', (line) => {
      if (opts.collectStdout && stdoutBytes < (opts.maxStdoutBytes ?? 64 * 1024 * 1024)) {
        stdout += line + '\n';
        stdoutBytes += line.length + 1;
      }
      opts.onStdoutLine?.(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrLines.push(line);
      if (stderrLines.length > 40) stderrLines.shift();
      opts.onStderrLine?.(line);
    });

    const done = () => {
      opts.signal?.removeEventListener('abort', killGroup);
      stall.dispose();
      ledger?.forget(entry);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(err.code === 'ENOENT' ? new Error(`${argv.command} is not installed (not found on PATH)`) : err);
    });
    child.once('close', (exitCode, signal) => {
      done();
      resolve({ exitCode, signal, stdout, stderrTail: stderrLines.join('\n'), aborted, stalled: stall.stalled });
    });
  });
}
