import { Controller, HttpCode, Post } from '@nestjs/common';
import { AdminOnly } from '../auth/auth.guard';
import { ApiError } from '../http/api-error';
import type { MessageParams } from '../jobs/job.types';
import { RedisService } from '../redis/redis.module';
import { toolsChannels } from './tools-keys';
import { liveYtdlpWorkers } from './ytdlp-announcements';

/** Admins ask every worker to update its managed yt-dlp now (each does it between its jobs). */
@AdminOnly()
@Controller('api/admin/ytdlp')
export class YtdlpAdminController {
  constructor(private readonly redis: RedisService) {}

  @Post('update')
  @HttpCode(202)
  async update(): Promise<{ workers: number }> {
    const workers = await liveYtdlpWorkers(this.redis.client);
    // A worker that may manage its own but fell back (the index was down at its start) is asked too: it tries again.
    const managing = workers.filter((w) => w.manageable);
    if (managing.length === 0) {
      const why = workers.length === 0 ? 'no worker is running' : `none of the ${workers.length} running worker(s) manages its own yt-dlp (YTDLP_PATH is set)`;
      const params: MessageParams = workers.length === 0 ? { problem: 'no_workers' } : { problem: 'path_set', workers: workers.length };
      throw new ApiError(409, 'ytdlp_not_managed', `There is no managed yt-dlp to update: ${why}. Update the yt-dlp they use by hand (see GET /api/health).`, params);
    }
    // Pub/sub, not a BullMQ job: every worker must hear it, and one not running now has nothing to update.
    await this.redis.client.publish(toolsChannels.ytdlpUpdate, JSON.stringify({ at: new Date().toISOString() }));
    return { workers: managing.length };
  }
}
