import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { RedisService } from '../redis/redis.module';
import { removeOrphanPrivateFolders } from './private-folders';

/** How long a start waits for the sweep. */
const START_SWEEP_WAIT_MS = 10_000;

/**
 * At a worker's start, before it takes a job: the cookies a killed process left in clear in its
 * run folders go (the reconciler repeats the sweep every RECONCILE_SECONDS). Provided by the root
 * module, whose hooks run before BullMQ's (global modules first, the root first among them).
 */
@Injectable()
export class PrivateFoldersSweeper implements OnModuleInit {
  private readonly logger = new Logger('Cookies');

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.runsWorker) return; // an api process runs no yt-dlp: it has no run folders of its own
    let timer: NodeJS.Timeout | undefined;
    // Redis away (another host's owner cannot be judged): start anyway; the reconciler sweeps again.
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, START_SWEEP_WAIT_MS).unref()));
    const swept = this.sweep().catch((err: Error) => this.logger.warn(`Could not sweep the private folders at start: ${err.message}`));
    await Promise.race([swept, late]).finally(() => clearTimeout(timer));
  }

  /** The number of private folders removed. */
  sweep(): Promise<number> {
    return removeOrphanPrivateFolders(this.config, this.redis.client, (line) => this.logger.warn(line));
  }
}
