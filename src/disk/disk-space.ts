import fs from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { formatBytes } from '../common/format';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';

/** How often a running stage looks at the free space. */
const WATCH_INTERVAL_MS = 1000;

/**
 * MIN_FREE_DISK_BYTES, on the filesystem that holds the work folders and the media (they sit side
 * by side, see config.ts): below it no job is accepted and running stages stop with `disk_full`.
 */
@Injectable()
export class DiskSpace {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get floorBytes(): number {
    return this.config.minFreeDiskBytes;
  }

  /** Bytes an unprivileged writer may still use there (df's "Avail"). */
  async freeBytes(): Promise<number> {
    const stat = await fs.statfs(this.config.workDir);
    return stat.bavail * stat.bsize;
  }

  /** The free space, when it is under the floor; null when there is room (or no floor). */
  async shortage(): Promise<number | null> {
    if (this.floorBytes <= 0) return null;
    const free = await this.freeBytes();
    return free < this.floorBytes ? free : null;
  }

  /** POST /api/jobs (and a retry): 507 `disk_full` with a sentence, before anything is reserved. */
  async assertRoomForNewJob(): Promise<void> {
    const free = await this.shortage();
    if (free === null) return;
    throw new ApiError(
      507,
      'disk_full',
      `The server is almost out of disk space (${formatBytes(free)} free; it keeps ${formatBytes(this.floorBytes)} free), so it takes no new videos for now. Delete videos you no longer need, or ask the admin to make room.`,
    );
  }

  /** Checks now and every second until the returned stop function is called; `onLow` fires once. */
  watch(onLow: (freeBytes: number) => void): () => void {
    if (this.floorBytes <= 0) return () => undefined;
    let fired = false;
    const check = () =>
      void this.shortage().then(
        (free) => {
          if (free === null || fired) return;
          fired = true;
          clearInterval(timer);
          onLow(free);
        },
        () => undefined, // a statfs that fails says nothing about space: the tool's own error will
      );
    const timer = setInterval(check, WATCH_INTERVAL_MS);
    check();
    return () => clearInterval(timer);
  }
}
