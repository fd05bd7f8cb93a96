// Webhooks: what a user registers and what each delivery records. Pure types and rules (no NestJS).
import type { JobSnapshot, MessageParams } from '../jobs/job.types';

/** The BullMQ queue deliveries go through (not a pipeline stage). */
export const WEBHOOKS_QUEUE = 'webhooks';

export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.cancelled', 'collection.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Deliveries kept per webhook, newest first. */
export const MAX_DELIVERIES_KEPT = 20;
/** Characters of the receiver's answer kept with a delivery: enough to see an error, never a stored body. */
export const RESPONSE_EXCERPT_CHARS = 200;
export const WEBHOOK_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;

export interface Webhook {
  id: string;
  ownerId: string;
  url: string;
  events: WebhookEvent[];
  /** Signs every delivery; shown once, in the answer to its registration. */
  secret: string;
  createdAt: string;
}

/** What GET /api/webhooks shows: everything but the secret. */
export type PublicWebhook = Omit<Webhook, 'secret' | 'ownerId'>;

export interface WebhookDelivery {
  /** X-Vidpipe-Delivery: the same on every try. */
  id: string;
  event: WebhookEvent;
  jobId: string;
  /** The receiver's last HTTP status; null when it did not answer (refused, timed out, unreachable). */
  statusCode: number | null;
  /** Tries so far (at most 5). */
  attempts: number;
  /** `pending` until a try succeeds or the last one fails. */
  outcome: 'pending' | 'delivered' | 'failed';
  /** When the last try ended. */
  at: string;
  /** The first RESPONSE_EXCERPT_CHARS of the answer, or why there was none (in English). */
  response: string;
  /** When `response` is our own sentence (not sent, no answer): its key and values, for the reader's language. */
  responseKey?: string;
  responseParams?: MessageParams;
}

/** What one queue entry carries: one event for one webhook, with the job as it ended. */
export interface WebhookDeliveryPayload {
  deliveryId: string;
  webhookId: string;
  ownerId: string;
  event: WebhookEvent;
  job: JobSnapshot;
}

/** The event a job's final state sends; a collection completing is `collection.completed` instead of `job.completed`. */
export function webhookEventFor(job: Pick<JobSnapshot, 'state' | 'kind'>): WebhookEvent | null {
  switch (job.state) {
    case 'completed':
      return job.kind === 'collection' ? 'collection.completed' : 'job.completed';
    case 'failed':
      return 'job.failed';
    case 'cancelled':
      return 'job.cancelled';
    default:
      return null;
  }
}

/** The raw body of one delivery, exactly as signed and sent. */
export function deliveryBody(event: WebhookEvent, job: JobSnapshot, deliveredAt: Date): string {
  return JSON.stringify({ event, job, deliveredAt: deliveredAt.toISOString() });
}

export const publicWebhook = ({ secret: _secret, ownerId: _ownerId, ...rest }: Webhook): PublicWebhook => rest;
