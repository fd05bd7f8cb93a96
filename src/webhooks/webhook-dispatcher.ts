import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Outbox } from '../jobs/outbox';
import type { JobSnapshot } from '../jobs/job.types';
import { deliveryIdOf } from './webhook-delivery-id';
import { webhookJobOptions } from './webhook-retry';
import { WebhookRecords } from './webhook-records';
import { webhookEventFor, WebhookDeliveryPayload, WEBHOOKS_QUEUE } from './webhook.types';

/**
 * "A job ended" (an outbox entry, written with the end) → one queue entry per (webhook, event) of
 * its owner, under a delivery id derived from the end: dispatching the same end twice (a process
 * died before acknowledging it) adds nothing while the first is kept, and otherwise sends the same
 * `X-Vidpipe-Delivery` again, which receivers drop.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit {
  constructor(
    private readonly outbox: Outbox,
    private readonly webhooks: WebhookRecords,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<WebhookDeliveryPayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.outbox.handle('webhooks', async (job) => void (await this.dispatch(job)));
  }

  async dispatch(job: JobSnapshot): Promise<number> {
    const event = webhookEventFor(job);
    if (!event) return 0;
    const subscribed = (await this.webhooks.listOf(job.ownerId)).filter((w) => w.events.includes(event));
    for (const webhook of subscribed) {
      const deliveryId = deliveryIdOf(job, webhook.id, event);
      const payload: WebhookDeliveryPayload = { deliveryId, webhookId: webhook.id, ownerId: job.ownerId, event, job };
      await this.queue.add(event, payload, webhookJobOptions(deliveryId, this.config.webhookRetryBaseMs));
    }
    return subscribed.length;
  }
}

