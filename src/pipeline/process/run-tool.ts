import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ToolRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** All of stdout when collectStdout, else ''. */
  stdout: string;
  /** The last lines of stderr, for error messages. */
  stderrTail: string;
  aborted: boolean;
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

/**
 * Runs a tool with an argv array (never a shell). The tool gets its own process group so that
 * an abort kills it and everything it started (yt-dlp runs ffmpeg for merges and HLS) at once.
 */
export function runTool(command: string, args: string[], opts: ToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ exitCode: null, signal: 'SIGKILL', stdout: '', stderrTail: '', aborted: true });
      return;
    }
    const env = opts.env ? { ...process.env, ...opts.env } : process.env;
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env });
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

    child.once('error', (err: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', killGroup);
      reject(err.code === 'ENOENT' ? new Error(`${command} is not installed (not found on PATH)`) : err);
    });
    child.once('close', (exitCode, signal) => {
      opts.signal?.removeEventListener('abort', killGroup);
      resolve({ exitCode, signal, stdout, stderrTail: stderrLines.join('\n'), aborted });
    });
  });
}
