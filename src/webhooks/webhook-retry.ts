// Pure: how often and when a delivery is tried. BullMQ retries a failed try with exponential backoff.

export const WEBHOOK_ATTEMPTS = 5;

/** BullMQ options of one delivery: 5 tries, then base, 2×, 4×, 8× base between them; kept a while for Bull Board. */
export function webhookJobOptions(deliveryId: string, baseDelayMs: number) {
  return {
    jobId: deliveryId,
    attempts: WEBHOOK_ATTEMPTS,
    backoff: { type: 'exponential' as const, delay: baseDelayMs },
    removeOnComplete: { age: 86400, count: 1000 },
    removeOnFail: { age: 7 * 86400 },
  };
}

/**
 * The waits before tries 2…5, as BullMQ computes them for `exponential` (2^(n-1) × delay after the
 * n-th failed try): with the default 10 s, a receiver down for under 2.5 minutes still gets the event.
 */
export function retrySchedule(baseDelayMs: number, attempts = WEBHOOK_ATTEMPTS): number[] {
  return Array.from({ length: attempts - 1 }, (_, i) => Math.round(2 ** i * baseDelayMs));
}
