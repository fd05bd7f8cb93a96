// The Redis keys of subscriptions; only src/subscriptions/subscription-records.ts reads or writes them
// (a check's finds mark `seen` in JobRecords.createFind's own step: a find and its mark are one write).
export const subscriptionKeys = {
  /** Hash: id, ownerId, url, format, intervalMinutes, lastCheckedAt, lastError, lastErrorKey, lastErrorParams (JSON), createdAt (its finds are held to the owner's limits at each check). */
  one: (id: string) => `vp:subscription:${id}`,
  /** Set of every entry URL it has seen: a check makes jobs only for URLs it adds here. */
  seen: (id: string) => `vp:subscription:${id}:seen`,
  /** Zset of an owner's subscription ids, by creation time. */
  ofOwner: (ownerId: string) => `vp:subscriptions:owner:${ownerId}`,
  /** Hash: normalised URL → id of the owner's subscription to it (one per URL per owner). */
  urlsOf: (ownerId: string) => `vp:subscriptions:owner:${ownerId}:urls`,
} as const;
