// A subscription as the API shows it, and its Redis keys. Pure: no NestJS.
import type { JobFormat, MessageParams } from '../jobs/job.types';

export const SUBSCRIPTIONS_QUEUE = 'subscriptions';
export const DEFAULT_INTERVAL_MINUTES = 360;

export interface Subscription {
  id: string;
  url: string;
  format: JobFormat;
  intervalMinutes: number;
  /** When the last check ended (ISO); null before the first. */
  lastCheckedAt: string | null;
  /** How many entries it has seen (each became a job once). */
  seen: number;
  /** Why the last check could not list the source, as a sentence; null when it could. */
  lastError: string | null;
  /** `lastError`'s sentence key (src/jobs/job-messages.ts) for the web to say it in the reader's language; null when it has none. */
  lastErrorKey: string | null;
  /** The values of `lastErrorKey`'s sentence; null when there is no key. */
  lastErrorParams: MessageParams | null;
  createdAt: string;
}

/** The payload of one check (scheduled, or asked for). */
export interface SubscriptionCheck {
  subscriptionId: string;
}

export const SUBSCRIPTION_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
