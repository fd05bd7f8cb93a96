// The delivery id of one end of one job to one webhook: the X-Vidpipe-Delivery receivers drop
// repeats by, and the BullMQ job id that makes dispatching the same end twice add nothing.
import { deliveryIdOf } from './webhook-delivery-id';
import { WEBHOOK_EVENTS } from './webhook.types';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const job = { id: 'Xb3k9QwZr2Lp', attempt: 1 };
const webhookId = 'hk_4Tq8ZmP0aB';

describe('deliveryIdOf', () => {
  it('is the same for the same end of the same job to the same webhook, every time and in every process', () => {
    const id = deliveryIdOf(job, webhookId, 'job.completed');
    expect(id).toMatch(UUID_SHAPE);
    expect(deliveryIdOf({ ...job }, webhookId, 'job.completed')).toBe(id);
    // Only the job's id and attempt count: the rest of the snapshot (seq, message, times) may differ between two dispatches.
    expect(deliveryIdOf({ ...job, seq: 9, message: 'Ready' } as typeof job, webhookId, 'job.completed')).toBe(id);
    // Pinned: a process of the next version that claims an entry must derive the id this one sent.
    expect(id).toBe('c7a149f9-3237-6201-1b67-52d0293c7f12');
  });

  it('differs when the job, the attempt, the webhook or the event differs', () => {
    const ids = new Set<string>();
    for (const id of ['Xb3k9QwZr2Lp', 'Xb3k9QwZr2Lq', 'a', 'a1']) {
      for (const attempt of [1, 2, 11]) {
        for (const hook of [webhookId, 'hk_4Tq8ZmP0aC', '1']) {
          for (const event of WEBHOOK_EVENTS) ids.add(deliveryIdOf({ id, attempt }, hook, event));
        }
      }
    }
    expect(ids.size).toBe(4 * 3 * 3 * WEBHOOK_EVENTS.length);
  });

  it('keeps the fields apart: moving characters from one to the next makes another id', () => {
    expect(deliveryIdOf({ id: 'a1', attempt: 1 }, 'w', 'job.failed')).not.toBe(deliveryIdOf({ id: 'a', attempt: 11 }, 'w', 'job.failed'));
    expect(deliveryIdOf({ id: 'a', attempt: 1 }, '1w', 'job.failed')).not.toBe(deliveryIdOf({ id: 'a', attempt: 11 }, 'w', 'job.failed'));
  });
});
