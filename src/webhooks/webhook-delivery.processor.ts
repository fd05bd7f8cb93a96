import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics.service';
import { withLogContext } from '../ops/log-context';
import { TriedOutcome, tryWebhook, WEBHOOK_TIMEOUT_MS } from './webhook-sender';
import { signatureOf } from './webhook-signature';
import { WebhookRecords } from './webhook-records';
import { deliveryBody, WebhookDelivery, WebhookDeliveryPayload, WEBHOOKS_QUEUE } from './webhook.types';

/** Deliveries at once per worker: a receiver that hangs holds one slot for 10 s at most, never the queue. */
const DELIVERY_CONCURRENCY = 8;

/** One try of one delivery: signed POST, recorded; a failure is thrown so BullMQ retries with backoff. */
// A dead worker's deliveries are free again within 20 s and survive three deaths, as pipeline stages do.
@Processor(WEBHOOKS_QUEUE, { concurrency: DELIVERY_CONCURRENCY, lockDuration: 20_000, stalledInterval: 5_000, maxStalledCount: 3 })
export class WebhookDeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly webhooks: WebhookRecords,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  process(job: Job<WebhookDeliveryPayload>): Promise<void> {
    // Every log line of a delivery names the job it is about.
    return withLogContext({ jobId: job.data.job.id }, () => this.deliver(job));
  }

  private async deliver(job: Job<WebhookDeliveryPayload>): Promise<void> {
    const { deliveryId, webhookId, ownerId, event } = job.data;
    const webhook = await this.webhooks.get(ownerId, webhookId);
    if (!webhook) return; // deleted since (or its account): nobody to tell
    const body = deliveryBody(event, job.data.job, new Date());
    const outcome = await tryWebhook(
      webhook.url,
      body,
      { 'X-Vidpipe-Event': event, 'X-Vidpipe-Delivery': deliveryId, 'X-Vidpipe-Signature': signatureOf(body, webhook.secret) },
      { allowPrivate: this.config.allowPrivateUrls, allowAddresses: this.config.allowedPrivateAddresses, timeoutMs: WEBHOOK_TIMEOUT_MS },
    );
    const attempts = job.attemptsMade + 1;
    const delivered = outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300;
    const last = outcome.kind === 'refused' || attempts >= (job.opts.attempts ?? 1);
    const delivery: WebhookDelivery = {
      id: deliveryId,
      event,
      jobId: job.data.job.id,
      statusCode: outcome.kind === 'answered' ? outcome.status : null,
      attempts,
      outcome: delivered ? 'delivered' : last ? 'failed' : 'pending',
      at: new Date().toISOString(),
      ...responseOf(outcome),
    };
    await this.webhooks.saveDelivery(webhookId, delivery, job.timestamp);
    this.metrics.webhookDelivered(delivery.statusCode);
    if (delivered) return;
    const why = `Delivery ${deliveryId} to webhook ${webhookId} (try ${attempts}): ${delivery.response}`;
    this.logger.warn(why);
    // A URL the policy refuses stays refused: trying again would only knock on the same door.
    if (outcome.kind === 'refused') throw new UnrecoverableError(why);
    throw new Error(why);
  }
}

/** The receiver's own answer as it came, or our sentence for why there was none, with its key. */
function responseOf(outcome: TriedOutcome): Pick<WebhookDelivery, 'response' | 'responseKey' | 'responseParams'> {
  if (outcome.kind === 'answered') return { response: outcome.excerpt };
  const { message, messageKey, messageParams } = outcome.says;
  return { response: message, responseKey: messageKey ?? undefined, responseParams: messageParams ?? undefined };
}
