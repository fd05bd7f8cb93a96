import type { Queue } from 'bullmq';
import type { SubscriptionCheck } from './subscription.types';

/** Finished checks stay a day in Bull Board, failed ones a week, like pipeline entries. */
export const CHECK_OPTIONS = { removeOnComplete: { age: 86400, count: 1000 }, removeOnFail: { age: 7 * 86400 } };

/** The subscription's job scheduler (its id is the subscription's): a check at once, then every interval. */
export async function scheduleChecks(queue: Queue<SubscriptionCheck>, sub: { id: string; intervalMinutes: number }): Promise<void> {
  await queue.upsertJobScheduler(sub.id, { every: sub.intervalMinutes * 60_000 }, { name: 'check', data: { subscriptionId: sub.id }, opts: CHECK_OPTIONS });
}
