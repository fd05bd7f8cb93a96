import { toCompleted, toFailed, toRequeued } from '../jobs/job-lifecycle';
import { asJobMessage, type JobMessage, type KeyedJobError } from '../jobs/job-messages';
import type { JobProgress, JobResult, JobSnapshot } from '../jobs/job.types';
import { JobSupersededError } from './pipeline-error';
import { STAGE_SPAN } from './pipeline';

/** Stores a snapshot and returns it with its new seq, or null when the attempt was superseded. */
export type SnapshotWriter = (next: JobSnapshot) => Promise<JobSnapshot | null>;

type Stage = keyof typeof STAGE_SPAN;
type ProgressFields = Partial<Omit<JobProgress, 'percent' | 'stagePercent'>>;

/**
 * One attempt's view of its job, as the worker reports it. State changes are written at once;
 * progress is throttled to one write per interval with the latest value flushed at the end of
 * it, so watchers see a few events a second and never a stale last value. Writes are chained so
 * they land in order. Whole-job percent never goes backwards within the attempt.
 * No NestJS or Redis here: the writer is injected, so this is unit-tested on its own.
 */
export class JobReporter {
  private job: JobSnapshot;
  private chain: Promise<unknown> = Promise.resolve();
  private lastWriteAt = 0;
  private trailing: NodeJS.Timeout | null = null;
  private supersededFlag = false;

  constructor(
    job: JobSnapshot,
    private readonly writer: SnapshotWriter,
    private readonly intervalMs: number,
    private readonly onSuperseded: () => void = () => undefined,
  ) {
    this.job = job;
  }

  get snapshot(): JobSnapshot {
    return this.job;
  }

  get superseded(): boolean {
    return this.supersededFlag;
  }

  /** Enter a stage (or change details such as title) and publish at once. */
  async enter(state: Stage, message: string | JobMessage, patch: Partial<JobSnapshot> = {}): Promise<void> {
    const from = STAGE_SPAN[state].from;
    this.job = {
      ...this.job,
      preview: null, // a new stage (or attempt) has no preview of its own until it says so
      ...patch,
      state,
      ...asJobMessage(message),
      progress: { ...this.job.progress, percent: Math.max(this.job.progress.percent, from), stagePercent: 0 },
    };
    await this.flushNowOrThrow();
  }

  /** Update details without changing state; published at once. */
  async update(patch: Partial<JobSnapshot>): Promise<void> {
    this.job = { ...this.job, ...patch };
    await this.flushNowOrThrow();
  }

  /** Progress within the current stage; published at most once per interval. */
  progress(stagePercent: number, fields: ProgressFields = {}, message?: string | JobMessage): void {
    const span = STAGE_SPAN[this.job.state as Stage];
    if (!span) return;
    const stage = Math.min(100, Math.max(0, stagePercent));
    const percent = span.from + ((span.to - span.from) * stage) / 100;
    this.job = {
      ...this.job,
      ...(message === undefined ? {} : asJobMessage(message)),
      progress: {
        ...this.job.progress,
        ...fields,
        stagePercent: round1(stage),
        percent: round1(Math.max(this.job.progress.percent, percent)),
      },
    };
    const wait = this.lastWriteAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      void this.flushNow();
    } else if (!this.trailing) {
      this.trailing = setTimeout(() => void this.flushNow(), wait);
    }
  }

  async complete(result: JobResult, message: string | JobMessage): Promise<void> {
    this.job = toCompleted({ ...this.job, preview: null }, result, message, new Date());
    await this.flushNowOrThrow();
  }

  /** Back to the queue (a worker stopped): percent is kept, so the bar does not jump back. */
  async requeue(message: string | JobMessage): Promise<void> {
    this.job = toRequeued({ ...this.job, preview: null }, message);
    await this.flushNowOrThrow();
  }

  async fail(error: KeyedJobError): Promise<void> {
    this.job = toFailed({ ...this.job, preview: null }, error, new Date());
    await this.flushNowOrThrow();
  }

  /** Wait for every queued write (and drop a pending trailing one). */
  async close(): Promise<void> {
    this.clearTrailing();
    await this.chain;
  }

  /** For the awaited writes: a refused one means the attempt is over, so the caller must stop. */
  private async flushNowOrThrow(): Promise<void> {
    await this.flushNow();
    if (this.supersededFlag) throw new JobSupersededError(this.job.id);
  }

  private flushNow(): Promise<void> {
    this.clearTrailing();
    this.lastWriteAt = Date.now();
    const snapshot = this.job;
    const write = this.chain.then(async () => {
      if (this.supersededFlag) return;
      const stored = await this.writer(snapshot);
      if (stored) {
        this.job = { ...this.job, seq: stored.seq };
      } else {
        this.supersededFlag = true;
        this.onSuperseded();
      }
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  private clearTrailing(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
