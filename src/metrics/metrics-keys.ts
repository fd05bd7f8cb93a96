// Redis keys of the metrics every process adds to and any api exports: workers have no HTTP
// server, so what they observe lands here (README, "Operations").
export const metricsKeys = {
  /** Hash per stage and outcome: a count per bucket (`le:<bound>`), `count` and `sum` (seconds). */
  stageDuration: (stage: string, outcome: string) => `vp:metrics:stage:${stage}:${outcome}`,
  stageDurationPattern: 'vp:metrics:stage:*',
  /** Hash: jobs that ended, by `<kind>:<state>` (a retried job that ends again counts again). */
  jobsEnded: 'vp:metrics:jobs-ended',
  /** Outbox entries already counted in jobsEnded (a set per hour-long window is not needed: one key each, a day). */
  counted: (entryId: string) => `vp:metrics:counted:${entryId}`,
  /** Hash: what the reconciler repaired, by kind (README, "What survives a crash"). */
  repairs: 'vp:metrics:repairs',
  /** Hash: webhook delivery attempts by result (`2xx`, `4xx`, `5xx`, `error`…). */
  webhookDeliveries: 'vp:metrics:webhooks',
} as const;

/** How a stage run ended, for the duration histogram. */
export const STAGE_OUTCOMES = ['done', 'failed', 'cancelled', 'stopped'] as const;
export type StageOutcome = (typeof STAGE_OUTCOMES)[number];

/**
 * Pure. A worker stopping hands its job back (`stopped`); a cancel or retry supersedes the run;
 * a failure the run wrote (its own, or a stall or full disk it stopped for) is `failed`; a run
 * aborted without writing a failure was cancelled.
 */
export function stageOutcome(run: { stopped: boolean; superseded: boolean; failed: boolean; aborted: boolean }): StageOutcome {
  if (run.stopped) return 'stopped';
  if (run.superseded) return 'cancelled';
  if (run.failed) return 'failed';
  return run.aborted ? 'cancelled' : 'done';
}

/** A webhook delivery attempt by the receiver's status class, or `error` when it did not answer. */
export function deliveryResult(status: number | null): string {
  return status !== null && status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'error';
}
