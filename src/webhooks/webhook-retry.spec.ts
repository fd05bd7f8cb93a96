import { Backoffs } from 'bullmq';
import { retrySchedule, WEBHOOK_ATTEMPTS, webhookJobOptions } from './webhook-retry';

describe('the retry schedule of a webhook delivery', () => {
  it('is five tries, 10 s, 20 s, 40 s, 80 s apart by default', () => {
    const options = webhookJobOptions('d-1', 10_000);
    expect(options.attempts).toBe(5);
    expect(WEBHOOK_ATTEMPTS).toBe(5);
    expect(retrySchedule(10_000)).toEqual([10_000, 20_000, 40_000, 80_000]);
  });

  it('is what BullMQ itself computes from the options we give it', () => {
    for (const base of [10_000, 150, 7]) {
      const { backoff, attempts } = webhookJobOptions('d-1', base);
      const bullmq = Array.from({ length: attempts - 1 }, (_, i) => Backoffs.calculate(backoff, i + 1, new Error('500'), {} as never));
      expect(bullmq).toEqual(retrySchedule(base));
    }
  });

  it('keeps the delivery id as the queue job id, so a retry is the same delivery', () => {
    expect(webhookJobOptions('3f1c-uuid', 10).jobId).toBe('3f1c-uuid');
  });
});
