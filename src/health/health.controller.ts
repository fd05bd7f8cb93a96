import { Controller, Get, Inject } from '@nestjs/common';
import { DiskHealthIndicator, HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { runTool } from '../pipeline/process/run-tool';
import { RedisService } from '../redis/redis.module';

/** Whether this server can do its work: Redis answers, the tools run, the disk is not full. */
@Controller('api/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly disk: DiskHealthIndicator,
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => ({ ping: await this.redis.client.ping() }))
          .withTimeout(2000),
      () => this.tool('ffmpeg', this.config.ffmpegPath, ['-hide_banner', '-version']),
      () => this.tool('ytdlp', this.config.ytdlpPath, ['--version']),
      () => this.disk.checkStorage('disk', { path: this.config.dataDir, thresholdPercent: 0.98 }),
    ]);
  }

  private tool<K extends string>(key: K, command: string, args: string[]) {
    return this.indicators
      .check(key)
      .attempt(async ({ signal }) => {
        const run = await runTool(command, args, { signal, collectStdout: true });
        if (run.exitCode !== 0) throw new Error(`${command} exited with ${run.exitCode}`);
        return { version: run.stdout.split('\n')[0].replace(/^ffmpeg version /, '').split(' ')[0] };
      })
      .withTimeout(5000)
      .cacheFor(60_000);
  }
}
