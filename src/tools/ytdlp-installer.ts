import fs from 'node:fs/promises';
import path from 'node:path';
import { runTool, ToolRun } from '../process/run-tool';
import { COMPLETE_MARKER, isAlive, YtdlpLayout } from './ytdlp-layout';

/** What pip installs: yt-dlp with its recommended extras (yt-dlp-ejs for YouTube, curl_cffi, …). */
export const YTDLP_REQUIREMENT = 'yt-dlp[default]';
/** Each network step of pip gives up after this long without an answer (a hanging network never stalls us). */
const PIP_SOCKET_TIMEOUT_SECONDS = 5;
const REACHABLE_TIMEOUT_MS = 4000;
const VENV_TIMEOUT_MS = 120_000;
const PIP_TIMEOUT_MS = 10 * 60_000;

export class ToolInstallError extends Error {
  constructor(
    /** A sentence for people. */
    message: string,
    /** What the tool said, for the log. */
    readonly detail = '',
  ) {
    super(message);
  }
}

export interface InstallOptions {
  python?: string;
  /** The package index pip uses; unset: pip's own settings (pip.conf, PIP_INDEX_URL, else PyPI). */
  indexUrl?: string;
  /** Aborts the venv or pip step under way (the worker is stopping). */
  signal?: AbortSignal;
}

export interface InstallResult {
  version: string;
  folder: string;
  /** False when the index offered nothing newer than the current one (the new folder was dropped). */
  switched: boolean;
}

export function packageIndexUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.PIP_INDEX_URL || 'https://pypi.org/simple/';
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Whether the package index answers at all, within a few seconds. Skipped (assumed yes) behind an
 * HTTP proxy, which pip honours and fetch does not: pip's own time-outs bound it then.
 */
export async function packageIndexReachable(indexUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) return true;
  try {
    // fetch refuses a URL with credentials (a private mirror's user:token@): they go in a header.
    const url = new URL(`${indexUrl}yt-dlp/`);
    const headers: Record<string, string> = {};
    if (url.username || url.password) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = url.password = '';
    }
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(REACHABLE_TIMEOUT_MS), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

/** The version a yt-dlp binary reports, or a ToolInstallError. */
export async function ytdlpVersionOf(binary: string, timeoutMs = 20_000): Promise<string> {
  const run = await runTool(binary, ['--version'], { collectStdout: true, signal: AbortSignal.timeout(timeoutMs) }).catch(
    (err: Error) => ({ exitCode: null, stdout: '', stderrTail: err.message }) as Partial<ToolRun>,
  );
  const version = run.stdout?.trim().split('\n')[0] ?? '';
  if (run.exitCode !== 0 || !version) throw new ToolInstallError(`${binary} --version did not answer with a version`, run.stderrTail ?? '');
  return version;
}

/**
 * Installs the newest `yt-dlp[default]` into a NEW virtualenv and, when it differs from the
 * current one, switches `current` to it in one rename. Any failure removes the new folder and
 * leaves the current one in use. The caller holds the install lock.
 */
export async function installYtdlp(layout: YtdlpLayout, opts: InstallOptions = {}): Promise<InstallResult> {
  const python = opts.python ?? 'python3';
  const folder = layout.newFolder();
  await fs.mkdir(layout.versions, { recursive: true });
  try {
    await step(`${python} -m venv`, python, ['-m', 'venv', folder], VENV_TIMEOUT_MS, 'python3 has no working venv module (Debian: apt-get install python3-venv)', undefined, opts.signal);
    const pipEnv = opts.indexUrl ? { PIP_INDEX_URL: opts.indexUrl } : undefined;
    await step(
      'pip install',
      path.join(folder, 'bin', 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet',
        '--timeout', String(PIP_SOCKET_TIMEOUT_SECONDS), '--retries', '1', YTDLP_REQUIREMENT],
      PIP_TIMEOUT_MS,
      'pip could not install yt-dlp from the package index',
      pipEnv,
      opts.signal,
    );
    const version = await ytdlpVersionOf(layout.binaryIn(folder));
    const current = await layout.currentFolder();
    if (current && (await ytdlpVersionOf(layout.binaryIn(current)).catch(() => null)) === version) {
      await fs.rm(folder, { recursive: true, force: true });
      return { version, folder: current, switched: false };
    }
    await fs.writeFile(path.join(folder, COMPLETE_MARKER), `${version}\n`);
    await layout.switchTo(folder);
    return { version, folder, switched: true };
  } catch (err) {
    await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    throw err instanceof ToolInstallError ? err : new ToolInstallError(`the yt-dlp install failed: ${(err as Error).message}`);
  }
}

async function step(
  what: string,
  command: string,
  args: string[],
  timeoutMs: number,
  sentence: string,
  env?: Record<string, string>,
  stop?: AbortSignal,
): Promise<void> {
  let run: ToolRun;
  const signal = stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs);
  try {
    run = await runTool(command, args, { signal, env: { PYTHONDONTWRITEBYTECODE: '1', ...env } });
  } catch (err) {
    throw new ToolInstallError(sentence, `${what}: ${(err as Error).message}`);
  }
  if (run.aborted && stop?.aborted) throw new ToolInstallError(`${sentence} (stopped: the worker is shutting down)`, run.stderrTail);
  if (run.aborted) throw new ToolInstallError(`${sentence} (gave up after ${Math.round(timeoutMs / 1000)} s)`, run.stderrTail);
  if (run.exitCode !== 0) throw new ToolInstallError(sentence, `${what} exited with ${run.exitCode}:\n${run.stderrTail}`);
}

/**
 * Removes version folders that are neither `current` nor in use by a live process (nor being
 * installed: the caller holds the install lock). Returns the removed folders.
 */
export async function removeUnusedVersions(layout: YtdlpLayout, usedHere: ReadonlySet<string>): Promise<string[]> {
  const current = await layout.currentFolder();
  const names = await fs.readdir(layout.versions).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    // Real paths, as current and the leases hold them: TOOLS_DIR may lie behind a symlink.
    const folder = await fs.realpath(path.join(layout.versions, name)).catch(() => path.join(layout.versions, name));
    if (folder === current || usedHere.has(folder)) continue;
    const users = await fs.readdir(layout.inUseDir(folder)).catch(() => [] as string[]);
    if (users.some((pid) => Number(pid) !== process.pid && isAlive(Number(pid)))) continue;
    await fs.rm(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}
