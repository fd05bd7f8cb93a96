// What must follow a write, declared in one place: each event the outbox carries, its payload, and
// the follow-ups (one Redis consumer group each) that act on it. Adding a follow-up is one line
// here and one `outbox.handle(name, …)` where its work lives.
import type { JobSnapshot } from './job.types';

/** Event name → payload, as appended to the outbox stream by the write itself (job-scripts.ts). */
export interface OutboxEvents {
  /** A job (or a collection) reached a final state; the snapshot as published, with its seq. */
  'job.ended': JobSnapshot;
}
export type OutboxEventName = keyof OutboxEvents;

/** Follow-up (its consumer group) → the event it follows. Each acknowledges only after its effect is stored. */
export const FOLLOW_UPS = {
  /** Queues one delivery per subscribed webhook, under an id derived from the job's end (webhook-dispatcher.ts). */
  webhooks: 'job.ended',
  /** Gives the owner's freed places to their waiting jobs (waiting-jobs.ts). */
  'waiting-jobs': 'job.ended',
  /** A child's end brings its collection's counts up to date, and ends it with its last child (collection-roll-up.ts). */
  'collection-roll-up': 'job.ended',
  /** `vidpipe_jobs_ended_total`, counted once per end (metrics.service.ts). */
  metrics: 'job.ended',
} as const satisfies Record<string, OutboxEventName>;

export type FollowUpName = keyof typeof FOLLOW_UPS;
export const FOLLOW_UP_NAMES = Object.keys(FOLLOW_UPS) as FollowUpName[];

/** One outbox entry as a handler sees it: `id` is the stream entry's, stable across redeliveries. */
export interface OutboxEntry<E extends OutboxEventName = OutboxEventName> {
  id: string;
  event: E;
  payload: OutboxEvents[E];
}

export type FollowUpHandler<N extends FollowUpName> = (payload: OutboxEvents[(typeof FOLLOW_UPS)[N]], entry: OutboxEntry<(typeof FOLLOW_UPS)[N]>) => Promise<void>;

/** The job an entry is about, for log lines. */
export function jobIdOf(entry: OutboxEntry): string {
  return entry.payload.id;
}
