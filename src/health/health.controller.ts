import { Controller, Get, Inject } from '@nestjs/common';
import { DiskHealthIndicator, HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { runTool } from '../process/run-tool';
import { ytdlpReleaseDate, ytdlpVersionAge } from '../tools/ytdlp-features';
import { YtdlpBinary } from '../tools/ytdlp-binary';
import { liveYtdlpWorkers } from '../tools/ytdlp-announcements';
import { RedisService } from '../redis/redis.module';

/** Whether this server can do its work: Redis answers, the tools run, the disk is not full. */
@Controller('api/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly disk: DiskHealthIndicator,
    private readonly redis: RedisService,
    private readonly ytdlp: YtdlpBinary,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.redisCheck(),
      () => this.tool('ffmpeg', this.config.ffmpegPath, ['-hide_banner', '-version']),
      () => this.ytdlpCheck(),
      () => this.disk.checkStorage('disk', { path: this.config.dataDir, thresholdPercent: 0.98 }),
    ]);
  }

  /** The process answers: for a supervisor that restarts a hung process. Touches nothing else. */
  @Public()
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Ready for traffic: Redis answers, and where this process runs jobs, its tools run. An api-only
   * process does not wait for workers (a load balancer would otherwise drop every api at once).
   */
  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.redisCheck(),
      ...(this.config.runsWorker
        ? [
            () => this.tool('ffmpeg', this.config.ffmpegPath, ['-hide_banner', '-version']),
            () => this.tool('ffprobe', this.config.ffprobePath, ['-hide_banner', '-version']),
            () => this.ytdlpCheck(),
          ]
        : []),
    ]);
  }

  private redisCheck() {
    return this.indicators
      .check('redis')
      .attempt(async () => ({ ping: await this.redis.client.ping() }))
      .withTimeout(2000);
  }

  /** The yt-dlp the next job gets: its age and whether vidpipe manages it. Stale is reported, not failed. */
  private ytdlpCheck() {
    return this.indicators
      .check('ytdlp')
      .attempt(async ({ signal }) => {
        // An api-only process runs no yt-dlp: the workers' (the oldest one) is the one that matters.
        const worker = this.config.runsWorker ? null : await this.oldestWorkerYtdlp();
        const binary = worker ?? (await this.ytdlp.current());
        let version = binary.version;
        if (!worker) {
          const run = await runTool(binary.path, ['--version'], { signal, collectStdout: true });
          if (run.exitCode !== 0) throw new Error(`${binary.path} exited with ${run.exitCode}`);
          version = run.stdout.split('\n')[0].trim() || binary.version;
        }
        const age = ytdlpVersionAge(version, { now: new Date(), managed: binary.managed, autoUpdate: this.config.ytdlpAutoUpdate });
        return {
          version,
          ageDays: age.ageDays,
          managed: binary.managed,
          stale: age.stale,
          ...(age.message ? { message: age.message, messageKey: age.messageKey, messageParams: age.messageParams } : {}),
        };
      })
      .withTimeout(5000)
      .cacheFor(10_000);
  }

  private async oldestWorkerYtdlp(): Promise<{ path: string; version: string | null; managed: boolean } | null> {
    const workers = (await liveYtdlpWorkers(this.redis.client)).filter((w) => w.version);
    const when = (v: string | null) => (v ? ytdlpReleaseDate(v)?.getTime() ?? 0 : 0);
    workers.sort((a, b) => when(a.version) - when(b.version));
    return workers[0] ? { path: `worker ${workers[0].host}:${workers[0].pid}`, version: workers[0].version, managed: workers[0].managed } : null;
  }

  private tool<K extends string>(key: K, command: string, args: string[]) {
    return this.indicators
      .check(key)
      .attempt(async ({ signal }) => {
        const run = await runTool(command, args, { signal, collectStdout: true });
        if (run.exitCode !== 0) throw new Error(`${command} exited with ${run.exitCode}`);
        return { version: run.stdout.split('\n')[0].replace(/^ff(mpeg|probe) version /, '').split(' ')[0] };
      })
      .withTimeout(5000)
      .cacheFor(60_000);
  }
}
