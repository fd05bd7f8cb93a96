// The reconciler's own Redis keys (what it repairs is read through each aggregate's records).
export const reconcileKeys = {
  /** One run at a time across the cluster: the holder's token, with a TTL. */
  lock: 'vp:reconcile:lock',
  /** Ids that held a place with no job at the last run: given back if still so at the next. */
  placeless: 'vp:reconcile:placeless',
} as const;
