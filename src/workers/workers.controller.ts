import { Controller, Get } from '@nestjs/common';
import { AdminOnly } from '../auth/auth.guard';
import { RedisService } from '../redis/redis.module';
import { liveWorkers } from './live-workers';
import type { WorkerHeartbeat } from './worker-keys';

/** Admins: every live worker, from the heartbeats in Redis (a worker gone 30 s is not listed). */
@AdminOnly()
@Controller('api/admin/workers')
export class WorkersController {
  constructor(private readonly redis: RedisService) {}

  @Get()
  async list(): Promise<{ workers: WorkerHeartbeat[] }> {
    return { workers: await liveWorkers(this.redis.client) };
  }
}
