import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics.service';
import { RedisService } from '../redis/redis.module';
import { removeOrphanPrivateFolders } from './private-folders';

/** How long a start waits for the sweep. */
const START_SWEEP_WAIT_MS = 10_000;
/** Every worker sweeps its own disk this often: a dead run's cookies go within a minute of its end. */
export const SWEEP_EVERY_MS = 30_000;

/**
 * At a worker's start, before it takes a job, and every SWEEP_EVERY_MS after: the cookies a killed
 * process left in clear in its run folders go. In every worker rather than in the reconciler's one
 * run: each worker may have a disk of its own. Provided by the root module, whose hooks run before
 * BullMQ's (global modules first, the root first among them).
 */
@Injectable()
export class PrivateFoldersSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Cookies');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.runsWorker) return; // an api process runs no yt-dlp: it has no run folders of its own
    let timer: NodeJS.Timeout | undefined;
    // Redis away (another host's owner cannot be judged): start anyway; the reconciler sweeps again.
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, START_SWEEP_WAIT_MS).unref()));
    const swept = this.sweep().catch((err: Error) => this.logger.warn(`Could not sweep the private folders at start: ${err.message}`));
    await Promise.race([swept, late]).finally(() => clearTimeout(timer));
    this.timer = setInterval(() => void this.sweep().catch((err: Error) => this.logger.warn(`Could not sweep the private folders: ${err.message}`)), SWEEP_EVERY_MS).unref();
  }

  /** The number of private folders removed, each logged and counted as a repair. */
  async sweep(): Promise<number> {
    const removed = await removeOrphanPrivateFolders(this.config, this.redis.client, (line) => this.logger.warn(`${line} (repaired: private_folder)`));
    if (removed > 0) await this.metrics.repaired('private_folder', removed);
    return removed;
  }
}
