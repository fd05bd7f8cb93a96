import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { LeanIoAdapter } from './events/lean-io.adapter';
import { UsersService } from './users/users.service';
import { SessionService } from './auth/session.service';
import { AppConfig, ConfigError, parseConfig } from './config/config';
import { VidpipeLogger } from './logger';
import { requestLog } from './ops/request-log';
import { ensurePrivateRedis, PrivateRedis } from './redis/private-redis';

const logger = new Logger('vidpipe');

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  // Before the first line: every line, Nest's and ours, in the format asked for.
  const appLogger = new VidpipeLogger('vidpipe', { logLevels: ['log', 'error', 'warn'], format: config.logFormat, role: config.role });
  Logger.overrideLogger(appLogger);
  for (const dir of [config.dataDir, config.mediaDir, config.workDir]) fs.mkdirSync(dir, { recursive: true });

  let privateRedis: PrivateRedis | null = null;
  if (!config.redisUrl) {
    privateRedis = await ensurePrivateRedis(config.dataDir);
    logger.log(`${privateRedis.owned ? 'Started' : 'Using'} the private Redis at ${privateRedis.url}`);
  }
  const redisUrl = config.redisUrl ?? privateRedis!.url;

  let app: { close(): Promise<void> };
  try {
    app = await boot(config, redisUrl, appLogger);
  } catch (err) {
    await privateRedis?.stop().catch(() => undefined); // do not leave a Redis behind a failed start
    throw err;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15000).unref();
    await app.close().catch((err: Error) => logger.error(err.message));
    await privateRedis?.stop().catch(() => undefined);
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function boot(config: AppConfig, redisUrl: string, nestLogger: VidpipeLogger): Promise<{ close(): Promise<void> }> {
  const module = AppModule.forRole(config, redisUrl);
  let app: { close(): Promise<void> };
  if (config.runsApi) {
    const http = await NestFactory.create<NestExpressApplication>(module, { logger: nestLogger });
    http.useWebSocketAdapter(new LeanIoAdapter(http)); // many sockets per process: see the adapter
    http.disable('x-powered-by');
    http.use(requestLog(nestLogger.json)); // first: the job's log context for the whole request
    http.set('trust proxy', config.trustProxy);
    if (config.trustProxy === true) {
      logger.warn('TRUST_PROXY=true believes any X-Forwarded-For a client sends; name your proxy (an address, subnet or loopback) instead');
    }
    http.use(helmet({ contentSecurityPolicy: { directives: CONTENT_SECURITY_POLICY } }));
    // Closed unless CORS_ORIGIN lists the sites allowed to call the API from a browser.
    if (config.corsOrigins.length) http.enableCors({ origin: config.corsOrigins, credentials: true });
    serveWebClient(http);
    const { generatedPassword, passwordSetFor } = await http.get(UsersService).ensureBootstrapAdmin();
    if (passwordSetFor) await http.get(SessionService).revokeAll(passwordSetFor);
    await http.listen(config.port, config.host).catch(async (err: Error) => {
      await http.close().catch(() => undefined);
      throw err;
    });
    app = http;
    logger.log(`vidpipe ${config.role === 'all' ? 'api + worker' : 'api'} listening on http://${config.host}:${config.port}`);
    if (generatedPassword) {
      // Printed once, on the console only: it is never stored in clear anywhere.
      process.stdout.write(
        `\n  First start: an admin account was created. Log in at http://${config.host}:${config.port}\n` +
          `    username: ${config.adminUsername}\n    password: ${generatedPassword}\n` +
          `  Keep it now; it will not be shown again (set ADMIN_PASSWORD to choose one).\n\n`,
      );
    }
  } else {
    app = await NestFactory.createApplicationContext(module, { logger: nestLogger });
  }
  if (config.runsWorker) {
    logger.log(`vidpipe worker ready (downloads: ${config.downloadConcurrency}, transcodes: ${config.transcodeConcurrency})`);
  }
  return app;
}

// hls.js plays through MediaSource (blob: URLs) and may run a worker; thumbnails come from the sites.
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  mediaSrc: ["'self'", 'blob:'],
  workerSrc: ["'self'", 'blob:'],
  imgSrc: ["'self'", 'data:', 'https:'],
  styleSrc: ["'self'", "'unsafe-inline'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  // helmet's default would rewrite the app's own requests to https: a plain-http LAN install breaks.
  upgradeInsecureRequests: null,
};

/** The built React client (web/dist) at `/`, with client-side routes falling back to index.html. */
function serveWebClient(app: NestExpressApplication): void {
  const dist = path.resolve(__dirname, '..', 'web', 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) return;
  app.use(express.static(dist, { index: 'index.html', maxAge: '1h' }));
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.method !== 'GET' || /^\/(api|media|admin\/queues|socket\.io|metrics)(\/|$)/.test(req.path)) return next();
    res.sendFile(path.join(dist, 'index.html'));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`vidpipe could not start: ${err.message}\n`);
  process.exit(1);
});
