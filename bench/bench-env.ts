// What every benchmark stands on: a temp folder served by a loopback media server, its own
// Redis, and the built app with an admin session; always torn down, and a failure exits 1.
//
// VIDPIPE_BENCH_DIST=<folder> runs another build of the app instead of ./dist — a copy of dist/
// made before a change, so that old and new can be run one after the other in the same session
// (on a shared 2-core machine only figures taken side by side compare). The folder's parent needs
// the package.json and node_modules the build expects (e.g. a copy and a symlink).
// VIDPIPE_BENCH_NODE_ARGS: node flags for the api and worker processes (e.g. --cpu-prof, heap sizes).
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS } from '../src/config/config';
import { ADMIN_PASSWORD, ADMIN_USERNAME, api, ApiHelpers, login } from '../test/support/api';
import { MediaServer, startMediaServer } from '../test/support/media-server';
import { startRedis } from '../test/support/redis';
import { freePort, hasExited, makeTempDir, removeDir, sleep, terminate, trackChild } from '../test/support/util';

export const APP_DIST = path.resolve(process.env.VIDPIPE_BENCH_DIST ?? path.join(__dirname, '..', 'dist'));
const NODE_ARGS = (process.env.VIDPIPE_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

export interface BenchApp {
  baseUrl: string;
  proc: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

export interface BenchEnv {
  /** Served by `server`: make the benchmark's media here. */
  dir: string;
  server: MediaServer;
  /** The process that serves HTTP and sockets (role `all`, or `api` with `separateWorker`). */
  app: BenchApp;
  token: string;
  http: ApiHelpers;
  redisUrl: string;
}

export interface BenchOptions {
  bytesPerSecond?: number;
  role?: 'all' | 'api';
  /** Role `api` plus one worker process on the same Redis and DATA_DIR: the api's memory is its own. */
  separateWorker?: boolean;
  env?: Record<string, string>;
}

/** `node <APP_DIST>/main.js` with the environment test/support/app gives a test app; resolves once it is ready. */
async function startBenchApp(opts: { redisUrl: string; dataDir: string; role: 'all' | 'api' | 'worker'; env?: Record<string, string> }): Promise<BenchApp> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of CONFIG_KEYS) delete env[key];
  for (const key of Object.keys(env)) if (/^(https?_proxy|all_proxy|no_proxy|pip_.*)$/i.test(key)) delete env[key];
  Object.assign(env, {
    PORT: String(port), HOST: '127.0.0.1', DATA_DIR: opts.dataDir, ROLE: opts.role, REDIS_URL: opts.redisUrl,
    ALLOW_PRIVATE_URLS: 'true', YTDLP_PATH: 'yt-dlp', ADMIN_USERNAME, ADMIN_PASSWORD, ...opts.env,
  });
  const proc = spawn(process.execPath, [...NODE_ARGS, path.join(APP_DIST, 'main.js')], { cwd: path.dirname(APP_DIST), env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(proc);
  let logs = '';
  const collect = (d: string) => (logs = (logs + d).slice(-1_000_000));
  proc.stdout!.setEncoding('utf8').on('data', collect);
  proc.stderr!.setEncoding('utf8').on('data', collect);
  const app: BenchApp = { baseUrl: `http://127.0.0.1:${port}`, proc, logs: () => logs, stop: async () => void (await terminate(proc, 'SIGTERM', 10_000)) };
  for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
    if (hasExited(proc)) throw new Error(`${APP_DIST}/main.js (${opts.role}) exited before it was ready:\n${logs}`);
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`${APP_DIST}/main.js (${opts.role}) was not ready within 30 s:\n${logs}`);
    }
    if (opts.role === 'worker') {
      if (/vidpipe worker ready/.test(logs)) return app;
    } else if (await fetch(`${app.baseUrl}/api/health`).then((r) => r.status === 200, () => false)) {
      return app;
    }
  }
}

export function runBench(opts: BenchOptions, body: (env: BenchEnv) => Promise<void>): void {
  const main = async () => {
    const dir = await makeTempDir('bench');
    const dataDir = await makeTempDir('bench-data');
    const redis = await startRedis();
    const server = await startMediaServer(dir, { bytesPerSecond: opts.bytesPerSecond });
    const role = opts.separateWorker ? 'api' : opts.role ?? 'all';
    const app = await startBenchApp({ redisUrl: redis.url, dataDir, role, env: opts.env });
    const worker = opts.separateWorker ? await startBenchApp({ redisUrl: redis.url, dataDir, role: 'worker', env: opts.env }) : null;
    try {
      const { token } = await login(app.baseUrl);
      await body({ dir, server, app, token, http: api(app.baseUrl, token), redisUrl: redis.url });
    } finally {
      await worker?.stop();
      await app.stop();
      await server.stop();
      await redis.stop();
      await removeDir(dir);
      await removeDir(dataDir);
    }
  };
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/** Median of a few numbers (benchmarks repeat a run and quote the middle one). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A process's resident memory, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
