// The Redis keys of webhooks (in the style of src/jobs/job-keys.ts).
export const webhookKeys = {
  /** Hash: webhook id → the webhook as JSON (secret included), per user. */
  ofUser: (userId: string) => `vp:webhooks:${userId}`,
  /** Sorted set: delivery ids of one webhook by time, trimmed to the newest MAX_DELIVERIES_KEPT. */
  deliveriesOf: (webhookId: string) => `vp:webhook-deliveries:${webhookId}`,
  /** String: one delivery as JSON, updated on every try. */
  delivery: (deliveryId: string) => `vp:webhook-delivery:${deliveryId}`,
} as const;
