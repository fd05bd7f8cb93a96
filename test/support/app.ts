// Drives the BUILT app (dist/main.js) as a real process; never imports NestJS.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { ExitInfo, exitOf, freePort, hasExited, makeTempDir, removeDir, sleep, terminate, trackChild } from './util';
import { childProcessesOf, describe } from './process';
import { CONFIG_KEYS } from '../../src/config/config';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './api';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const MAIN_JS = path.join(REPO_ROOT, 'dist', 'main.js');

export type Role = 'all' | 'api' | 'worker';

export interface StartAppOptions {
  /** Unset: the app starts its own private redis-server under DATA_DIR. */
  redisUrl?: string;
  /** Unset: a temp dir, removed by stop(). Given: kept (restart with the same dir to test persistence). */
  dataDir?: string;
  role?: Role;
  /** Extra environment, applied last (overrides everything above). */
  env?: Record<string, string>;
  /**
   * Let a private redis-server this app started outlive it (another app on the same DATA_DIR
   * still uses it, and is the one to stop it). Default: killed like any other leftover child.
   */
  spareSharedRedis?: boolean;
  /** Readiness timeout, default 20000 ms. */
  readyTimeoutMs?: number;
}

export interface AppProcess {
  /** http://127.0.0.1:<port> (the worker role has a port in its env but no HTTP server). */
  baseUrl: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** SIGTERM (or `signal`), up to 10 s for the exit, then SIGKILL. Safe to call twice. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves when the process exits, for whatever reason. */
  exited: Promise<ExitInfo>;
  /**
   * Filled by stop(): descendants (pids) that were alive when stop() began and still alive 2 s
   * after the app exited; stop() SIGKILLs them and notes it in logs(). Empty for a clean shutdown.
   * (Children of an app that already died on its own are reparented and cannot be found.)
   */
  leftBehind: number[];
}

// Config variables the app reads, from its schema: never inherit them from the shell that runs jest.
const APP_ENV_KEYS = CONFIG_KEYS;

const MAX_LOG_CHARS = 4 * 1024 * 1024;

/**
 * Spawns `node dist/main.js` without waiting for it to become ready (for tests that expect the
 * process to refuse a bad configuration and exit). Most tests want startApp().
 */
export async function spawnApp(opts: StartAppOptions = {}): Promise<AppProcess> {
  if (!existsSync(MAIN_JS)) {
    throw new Error(`${MAIN_JS} does not exist: build the app first (npm run build)`);
  }
  const role: Role = opts.role ?? 'all';
  const port = await freePort();
  const ownedDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await makeTempDir('data'));
  await fsp.mkdir(dataDir, { recursive: true });

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of APP_ENV_KEYS) delete env[key];
  delete env.VIDPIPE_CRASH_AT; // a crash point only where a suite asks for one
  // Nothing of the shell's may send a test app's traffic beyond 127.0.0.1: no proxy, no pip mirror.
  for (const key of Object.keys(env)) if (/^(https?_proxy|all_proxy|no_proxy|pip_.*)$/i.test(key)) delete env[key];
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ROLE: role,
    ALLOW_PRIVATE_URLS: 'true',
    // The system's yt-dlp, never a managed one: a test app must not look for a package index beyond
    // 127.0.0.1 (tests of the managed yt-dlp set YTDLP_PATH '' and a loopback PIP_INDEX_URL).
    YTDLP_PATH: 'yt-dlp',
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    ...(opts.redisUrl !== undefined ? { REDIS_URL: opts.redisUrl } : {}),
    ...(opts.env ?? {}),
  });

  const proc = spawn(process.execPath, [MAIN_JS], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(proc);
  let buf = '';
  const echo = process.env.VIDPIPE_TEST_ECHO_LOGS === '1';
  const collect = (d: string): void => {
    buf += d;
    if (buf.length > MAX_LOG_CHARS) buf = buf.slice(buf.length - MAX_LOG_CHARS);
    if (echo) process.stderr.write(`[app:${port}] ${d}`);
  };
  proc.stdout?.setEncoding('utf8').on('data', collect);
  proc.stderr?.setEncoding('utf8').on('data', collect);
  proc.once('error', (err) => collect(`\n[support] spawn error: ${err.message}\n`));
  const exited = exitOf(proc);

  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    stopping ??= (async () => {
      // Remember the app's children (a private redis-server, yt-dlp, ffmpeg) so that none
      // outlives the app, even if it is SIGKILLed or forgets one.
      const descendants = proc.pid !== undefined && !hasExited(proc) ? childProcessesOf(proc.pid) : [];
      const res = await terminate(proc, signal, 10000);
      if (res.forced) collect(`\n[support] app did not exit within 10 s of ${signal}: SIGKILLed\n`);
      // A child that is still exiting under load is not a leak: give them up to 2 s.
      for (let waited = 0; waited < 2000 && descendants.some(isAlive); waited += 100) await sleep(100);
      const spared = (pid: number) => opts.spareSharedRedis === true && describe([pid]).some((p) => /redis-server/.test(p.cmd));
      const left = descendants.filter((pid) => isAlive(pid) && !spared(pid));
      const leftCmds = describe(left).map((p) => `${p.pid} ${p.cmd.slice(0, 120)}`);
      app.leftBehind.push(...left);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      if (left.length) collect(`\n[support] killed child processes left behind by the app: ${leftCmds.join(' | ')}\n`);
      if (ownedDataDir) await removeDir(dataDir);
    })();
    return stopping;
  };

  const app: AppProcess = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    logs: () => buf,
    stop,
    exited,
    leftBehind: [],
  };
  return app;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the app is ready: GET /api/health → 200 (all/api), or the worker's ready line. */
export async function waitForApp(app: AppProcess, role: Role = 'all', timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const fail = (why: string): Error =>
    new Error(`vidpipe (${role}, port ${app.port}) ${why}\n----- app logs -----\n${app.logs()}\n--------------------`);
  for (;;) {
    if (hasExited(app.proc)) {
      const { code, signal } = await app.exited;
      throw fail(`exited before it was ready (code ${code}, signal ${signal})`);
    }
    if (role === 'worker') {
      if (/vidpipe worker ready/.test(app.logs())) return;
    } else {
      try {
        const res = await fetch(`${app.baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) throw fail(`was not ready within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Spawns the built app and waits until it is ready; on failure the error carries its logs. */
export async function startApp(opts: StartAppOptions = {}): Promise<AppProcess> {
  const role: Role = opts.role ?? 'all';
  for (let attempt = 1; ; attempt++) {
    const app = await spawnApp(opts);
    try {
      await waitForApp(app, role, opts.readyTimeoutMs ?? 20000);
      return app;
    } catch (err) {
      await app.stop('SIGKILL');
      // Our free port can be taken between the probe and the app's bind: try another one.
      if (attempt < 3 && /EADDRINUSE/.test(app.logs())) continue;
      throw err;
    }
  }
}
