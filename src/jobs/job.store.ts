import { Injectable } from '@nestjs/common';
import { RedisService } from '../redis/redis.module';
import { JobRecords } from './job-records';

export type { ListQuery, WriteGuard } from './job-records';

/** The job records on the process's command connection, for NestJS to inject. */
@Injectable()
export class JobStore extends JobRecords {
  constructor(redis: RedisService) {
    super(redis.client);
  }
}
