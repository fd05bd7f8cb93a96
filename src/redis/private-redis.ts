import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';

// When REDIS_URL is unset, vidpipe runs its own redis-server with its files under DATA_DIR/redis.
// It listens only on a unix socket there, so several processes sharing one DATA_DIR share it too.

export interface PrivateRedis {
  url: string;
  /** True when this process started it. */
  owned: boolean;
  /** Shuts it down unless another process on this DATA_DIR still uses it: the last one out stops it. */
  stop(): Promise<void>;
}

async function answersPing(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return false;
  const probe = new Redis({ path: socketPath, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function ensurePrivateRedis(dataDir: string, redisServerPath = 'redis-server'): Promise<PrivateRedis> {
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(dir, 'redis.sock');
  if (socketPath.length > 100) {
    throw new Error(`DATA_DIR is too long for a unix socket (${socketPath}); use a shorter DATA_DIR or set REDIS_URL.`);
  }
  if (await answersPing(socketPath)) {
    return { url: socketPath, owned: false, stop: () => stopUnlessShared(socketPath, null) };
  }
  fs.rmSync(socketPath, { force: true });
  const args = [
    '--port', '0',
    '--unixsocket', socketPath,
    '--unixsocketperm', '700',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--logfile', path.join(dir, 'redis.log'),
  ];
  // Its own process group: a Ctrl-C to vidpipe must not kill Redis before vidpipe has shut down.
  const child = spawn(redisServerPath, args, { detached: true, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  for (let i = 0; i < 100; i++) {
    const raced = await Promise.race([
      spawnError.then((e) => e),
      exited.then((code) => new Error(`redis-server exited with code ${code}; see ${path.join(dir, 'redis.log')}`)),
      new Promise<null>((r) => setTimeout(() => r(null), 100)),
    ]);
    if (raced instanceof Error) {
      throw new Error(`Could not start the private Redis: ${raced.message}. Install redis-server or set REDIS_URL.`);
    }
    if (await answersPing(socketPath)) break;
    if (i === 99) throw new Error(`The private Redis did not answer within 10 s; see ${path.join(dir, 'redis.log')}`);
  }
  child.unref();
  return {
    url: socketPath,
    owned: true,
    stop: () => stopUnlessShared(socketPath, exited),
  };
}

async function stopUnlessShared(socketPath: string, exited: Promise<unknown> | null): Promise<void> {
  const admin = new Redis({ path: socketPath, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => undefined);
  try {
    const info = await admin.info('clients');
    // Another vidpipe process on this DATA_DIR still uses it: leave it running for them.
    if (Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? '1') > 1) return;
    await admin.call('SHUTDOWN').catch(() => undefined); // closes this connection too
    const gone = exited ?? waitUntilGone(socketPath);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  } catch {
    // already stopped
  } finally {
    admin.disconnect();
  }
}

async function waitUntilGone(socketPath: string): Promise<void> {
  for (let i = 0; i < 50 && (await answersPing(socketPath)); i++) await new Promise((r) => setTimeout(r, 100));
}
