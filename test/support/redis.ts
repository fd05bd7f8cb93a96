// A throw-away redis-server for one suite: loopback only, no persistence, noeviction (BullMQ).
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { exitOf, freePort, hasExited, makeTempDir, removeDir, sleep, terminate, trackChild } from './util';

export interface RedisHandle {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** redis-server's pid and its temp --dir (removed by stop()). */
  pid: number;
  dir: string;
  /** Kills redis-server, waits for it to exit and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10000;

async function pingOnce(port: number): Promise<boolean> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // errors surface through connect()/ping()
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function startOnce(): Promise<RedisHandle & { failedToBind?: boolean; error?: Error }> {
  const port = await freePort();
  const dir = await makeTempDir('redis');
  const proc = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      '--dir', dir,
      '--daemonize', 'no',
      '--logfile', '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  trackChild(proc);
  let logs = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (logs += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (logs += d));
  let spawnError: Error | undefined;
  proc.once('error', (err) => (spawnError = err));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await terminate(proc, 'SIGTERM', 5000);
      await removeDir(dir);
    })();
    return stopped;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError || hasExited(proc)) {
      if (!spawnError) await exitOf(proc);
      await stop();
      const error = new Error(
        `redis-server did not start on port ${port}: ${spawnError?.message ?? `exit ${proc.exitCode ?? proc.signalCode}`}\n${logs}`,
      );
      return { url: '', port, pid: proc.pid ?? -1, dir, stop, failedToBind: /address already in use/i.test(logs), error };
    }
    if (await pingOnce(port)) break;
    if (Date.now() > deadline) {
      await stop();
      return { url: '', port, pid: proc.pid ?? -1, dir, stop, error: new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms\n${logs}`) };
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: proc.pid ?? -1, dir, stop };
}

/** Starts redis-server on a free 127.0.0.1 port and resolves once it answers PING. */
export async function startRedis(): Promise<RedisHandle> {
  // The free port can be taken between our probe and redis' bind: retry a couple of times.
  for (let attempt = 1; ; attempt++) {
    const res = await startOnce();
    if (!res.error) return { url: res.url, port: res.port, pid: res.pid, dir: res.dir, stop: res.stop };
    if (!res.failedToBind || attempt >= 3) throw res.error;
  }
}
