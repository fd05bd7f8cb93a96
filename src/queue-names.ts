// Every BullMQ queue, in one list: registered by the app module, shown by Bull Board.
import { RETENTION_QUEUE } from './retention/retention.sweeper';
import { QUEUE_NAMES } from './pipeline/pipeline';
import { RECONCILE_QUEUE } from './reconcile/reconcile.types';
import { SUBSCRIPTIONS_QUEUE } from './subscriptions/subscription.types';
import { WEBHOOKS_QUEUE } from './webhooks/webhook.types';

/** BullMQ's keys (every queue's) start with this. */
export const BULL_PREFIX = 'vp:bull';

export const ALL_QUEUE_NAMES: readonly string[] = [
  ...QUEUE_NAMES,
  // Not pipeline stages: webhook deliveries (queued by whichever process ended the job), one job
  // scheduler per subscription, the retention sweep, and the reconciler.
  WEBHOOKS_QUEUE,
  SUBSCRIPTIONS_QUEUE,
  RETENTION_QUEUE,
  RECONCILE_QUEUE,
];
