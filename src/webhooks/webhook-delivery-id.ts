// Pure: the delivery id of one end of one job to one webhook, the same in every process and version.
import { createHash } from 'node:crypto';
import type { JobSnapshot } from '../jobs/job.types';

/** Stable for one end of one job to one webhook: (job, attempt, webhook, event), shaped like a UUID. */
export function deliveryIdOf(job: Pick<JobSnapshot, 'id' | 'attempt'>, webhookId: string, event: string): string {
  const h = createHash('sha256').update(`${job.id}\n${job.attempt}\n${webhookId}\n${event}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
