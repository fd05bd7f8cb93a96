// `node dist/healthcheck.js [--pid <pid>]`: the image's healthcheck, for every role. A worker
// (ROLE=worker) has no HTTP server: it is healthy while its heartbeat is in Redis (it beats every
// 10 s, kept 30 s) and its process is alive here; without --pid any worker of this host counts (one
// per container). An api (or `all`) is healthy when GET /api/health/ready answers 200.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { ConfigError, parseConfig } from './config/config';
import { procStat } from './process/tool-ledger';
import { redisOptionsFor } from './redis/redis-options';
import { liveWorkers } from './workers/live-workers';
import { workerKeys } from './workers/worker-keys';

async function main(): Promise<number> {
  const config = parseConfig(process.env);
  if (config.role !== 'worker') return apiReady(config.port);
  const pidArg = process.argv.indexOf('--pid');
  const pid = pidArg > 0 ? Number(process.argv[pidArg + 1]) : null;
  const host = os.hostname();
  const url = config.redisUrl ?? path.join(config.dataDir, 'redis', 'redis.sock');
  const redis = new Redis({ ...redisOptionsFor(url), lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined); // reported through connect()
  try {
    await redis.connect();
    const pattern = pid !== null ? workerKeys.heartbeat(`${host}:${pid}`) : workerKeys.patternOnHost(host);
    // Alive, and the very process that wrote the heartbeat: a restarted container's new worker often
    // gets the dead one's pid, and the old heartbeat outlives it by up to 30 s.
    const workers = (await liveWorkers(redis, pattern)).filter((w) => w.host === host && isAlive(w.pid) && wroteIt(w.pid, w.startedAt));
    if (workers.length === 0) {
      process.stdout.write(`unhealthy: no live worker ${pid !== null ? `${host}:${pid}` : `on ${host}`} has a heartbeat in Redis\n`);
      return 1;
    }
    for (const w of workers) {
      const ago = Math.round((Date.now() - Date.parse(w.lastHeartbeatAt)) / 1000);
      process.stdout.write(`healthy: worker ${w.id}, last heartbeat ${ago} s ago, ${w.runningJobs.length} job(s) running\n`);
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

async function apiReady(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/health/ready`, { signal: AbortSignal.timeout(4000) });
  await res.arrayBuffer();
  process.stdout.write(`${res.ok ? 'healthy' : 'unhealthy'}: GET /api/health/ready answered ${res.status}\n`);
  return res.ok ? 0 : 1;
}

/** Whether process `pid` started before `startedAt` (the heartbeat's): else the heartbeat is an earlier process's. */
function wroteIt(pid: number, startedAt: string): boolean {
  const stat = procStat(pid);
  if (!stat) return false;
  const bootSec = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0);
  const processStartMs = (bootSec + stat.startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
  // A worker records startedAt once booted, after its process began; a second of slack for rounding.
  return Date.parse(startedAt) >= processStartMs - 1000;
}

/** USER_HZ: 100 on every Linux architecture Docker images run on. */
const CLOCK_TICKS_PER_SECOND = 100;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

const deadline = setTimeout(() => {
  process.stdout.write('unhealthy: no answer within 5 s\n');
  process.exit(1);
}, 5000);
main()
  .then((code) => process.exit(code))
  .catch((err: Error) => {
    clearTimeout(deadline);
    process.stdout.write(`unhealthy: ${err instanceof ConfigError ? err.message : err.message}\n`);
    process.exit(1);
  });
