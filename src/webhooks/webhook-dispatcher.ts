import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobStore } from '../jobs/job.store';
import type { JobSnapshot } from '../jobs/job.types';
import { webhookJobOptions } from './webhook-retry';
import { WebhookStore } from './webhook.store';
import { webhookEventFor, WebhookDeliveryPayload, WEBHOOKS_QUEUE } from './webhook.types';

/**
 * "A job ended" → one queue entry per (webhook, event) of its owner. It listens in every process
 * (api and worker): the ended event fires only in the process whose write made the job final,
 * so each event is queued once however many processes run.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly jobs: JobStore,
    private readonly webhooks: WebhookStore,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<WebhookDeliveryPayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.jobs.onJobEnded((job) => {
      this.dispatch(job).catch((err: Error) => this.logger.error(`Job ${job.id}: webhooks not queued: ${err.message}`));
    });
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  async dispatch(job: JobSnapshot): Promise<number> {
    const event = webhookEventFor(job);
    if (!event) return 0;
    const subscribed = (await this.webhooks.listOf(job.ownerId)).filter((w) => w.events.includes(event));
    for (const webhook of subscribed) {
      const deliveryId = randomUUID();
      const payload: WebhookDeliveryPayload = { deliveryId, webhookId: webhook.id, ownerId: job.ownerId, event, job };
      await this.queue.add(event, payload, webhookJobOptions(deliveryId, this.config.webhookRetryBaseMs));
    }
    return subscribed.length;
  }
}
