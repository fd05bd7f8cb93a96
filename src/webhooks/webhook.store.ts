import { Injectable } from '@nestjs/common';
import { RedisService } from '../redis/redis.module';
import { WebhookRecords } from './webhook-records';

/** The webhook records on the process's command connection, for NestJS to inject. */
@Injectable()
export class WebhookStore extends WebhookRecords {
  constructor(redis: RedisService) {
    super(redis.client);
  }
}
