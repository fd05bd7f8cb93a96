// What every benchmark stands on: a temp folder served by a loopback media server, its own
// Redis, and the built app with an admin session; always torn down, and a failure exits 1.
import { api, ApiHelpers, AppProcess, login, startApp } from '../test/support/app';
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

export function runBench(opts: { bytesPerSecond?: number }, body: (env: BenchEnv) => Promise<void>): void {
  const main = async () => {
    const dir = await makeTempDir('vidpipe-bench-');
    const redis = await startRedis();
    const server = await startMediaServer(dir, { bytesPerSecond: opts.bytesPerSecond });
    const app = await startApp({ redisUrl: redis.url });
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
