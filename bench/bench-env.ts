// What every benchmark stands on: a temp folder served by a loopback media server, its own
// Redis, and the built app with an admin session; always torn down, and a failure exits 1.
import { api, type ApiHelpers, login } from '../test/support/api';
import { type AppProcess, startApp } from '../test/support/app';
import { MediaServer, startMediaServer } from '../test/support/media-server';
import { startRedis } from '../test/support/redis';
import { makeTempDir, removeDir } from '../test/support/util';

export interface BenchEnv {
  /** Served by `server`: make the benchmark's media here. */
  dir: string;
  server: MediaServer;
  app: AppProcess;
  token: string;
  http: ApiHelpers;
}

export function runBench(opts: { bytesPerSecond?: number; role?: 'all' | 'api'; env?: Record<string, string> }, body: (env: BenchEnv) => Promise<void>): void {
  const main = async () => {
    const dir = await makeTempDir('vidpipe-bench-');
    const redis = await startRedis();
    const server = await startMediaServer(dir, { bytesPerSecond: opts.bytesPerSecond });
    const app = await startApp({ redisUrl: redis.url, role: opts.role, env: opts.env });
    try {
      const { token } = await login(app.baseUrl);
      await body({ dir, server, app, token, http: api(app.baseUrl, token) });
    } finally {
      await app.stop();
      await server.stop();
      await redis.stop();
      await removeDir(dir);
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

/** The api process's resident memory, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
