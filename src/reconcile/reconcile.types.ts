/** The reconciler's queue: one job scheduler, one run at a time. */
export const RECONCILE_QUEUE = 'reconcile';

/** What the reconciler repairs (the `kind` label of `vidpipe_repairs_total`). */
export const REPAIR_KINDS = [
  'stuck_collection', // a listed collection whose children had all ended: it follows them
  'waiting_job', // a waiting job whose owner had a free place: started
  'orphaned_job', // an unfinished job no queue entry carried (queued again, or failed with a sentence), or a child of an ended collection (stopped)
  'stale_place', // a place among an owner's active jobs held by a job that ended or never was: given back
  'private_folder', // a run's private folder (cookies) whose process is gone: removed (by each worker's sweep)
  'orphaned_media', // a media folder whose job is gone (a delete cut short): removed
  'removed_account', // what an account removed in the middle of its removal owned (jobs with their media, subscriptions, webhooks, cookies, sessions): removed
  'unscheduled_subscription', // a subscription without its job scheduler (created in the middle of a death): scheduled
] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];
