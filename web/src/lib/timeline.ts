// A job's stages with the time each began: the server's snapshot has createdAt, updatedAt and
// finishedAt; the moments in between are those this page saw live (the snapshot's updatedAt the
// first time a state showed up), kept in memory for the tab.
import { isFinalState, type JobSnapshot, type JobState } from '@server/jobs/job.types';

export const STAGES: readonly JobState[] = ['queued', 'probing', 'downloading', 'transcoding'];

export type StageStatus = 'done' | 'current' | 'pending' | 'skipped';
export interface StageRow {
  state: JobState;
  status: StageStatus;
  /** When it began, if known. */
  at: string | null;
}

export type SeenStates = Partial<Record<JobState, string>>;

/** Notes when each state was first seen for this attempt; a new attempt starts a new record. */
export function noteSeen(seen: SeenStates & { attempt?: number }, job: JobSnapshot): SeenStates & { attempt: number } {
  const base = seen.attempt === job.attempt ? seen : {};
  if (base[job.state]) return { ...base, attempt: job.attempt };
  return { ...base, attempt: job.attempt, [job.state]: job.updatedAt };
}

export function timeline(job: JobSnapshot, seen: SeenStates): StageRow[] {
  const final = isFinalState(job.state);
  const reached = final ? lastStageReached(job, seen) : STAGES.indexOf(job.state);
  const rows: StageRow[] = STAGES.map((state, i) => {
    const at = i === 0 ? (seen.queued ?? job.createdAt) : (seen[state] ?? null);
    if (i < reached || (final && i === reached && job.state === 'completed')) return { state, status: 'done', at };
    if (i === reached) return { state, status: final ? 'done' : 'current', at };
    return { state, status: final ? 'skipped' : 'pending', at: null };
  });
  if (final) rows.push({ state: job.state, status: 'done', at: job.finishedAt ?? job.updatedAt });
  return rows;
}

function lastStageReached(job: JobSnapshot, seen: SeenStates): number {
  if (job.state === 'completed') return STAGES.length - 1;
  // A failed or cancelled job got at least as far as the last state this page saw.
  let last = 0;
  STAGES.forEach((s, i) => {
    if (seen[s]) last = i;
  });
  if (job.result || job.progress.percent >= 100) return STAGES.length - 1;
  return last;
}
