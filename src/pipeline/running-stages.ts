import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { Metrics } from '../metrics/metrics.service';
import { stageOutcome } from '../metrics/metrics-keys';
import { enterLogContext } from '../ops/log-context';
import { ABORT_SHUTDOWN } from './cancel-registry';
import type { RunningJob } from '../workers/worker-keys';

export interface StageRun {
  /** The stage ended; how is read from its abort signal and its reporter's last snapshot. */
  end(signal: AbortSignal, reporter: { superseded: boolean; snapshot: { state: string } }): void;
}

/**
 * The stage hook of a worker (StageProcessor calls begin/end around each run): times the run for
 * the stage-duration histogram, keeps the worker's running jobs for its heartbeat, and marks every
 * log line of the run with its job.
 */
@Injectable()
export class RunningStages {
  private readonly logger = new Logger('Worker');
  private readonly running = new Map<string, RunningJob>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly metrics: Metrics) {}

  /** Call after the processor's first await (the log context then covers the rest of the run only). */
  begin(stage: string, jobId: string): StageRun {
    enterLogContext({ jobId });
    const key = `${stage}:${jobId}`;
    const started = performance.now();
    this.running.set(key, { id: jobId, stage, startedAt: new Date().toISOString() });
    this.changed();
    let ended = false;
    return {
      end: (signal, reporter) => {
        if (ended) return;
        ended = true;
        this.running.delete(key);
        this.changed();
        const outcome = stageOutcome({
          stopped: signal.reason === ABORT_SHUTDOWN,
          superseded: reporter.superseded,
          failed: reporter.snapshot.state === 'failed',
          aborted: signal.aborted,
        });
        const seconds = (performance.now() - started) / 1000;
        this.metrics.observeStage(stage, outcome, seconds);
        // One line per stage run: what an operator follows a job by (with its jobId in JSON logs).
        this.logger.log(`${stage} of job ${jobId}: ${outcome} after ${seconds.toFixed(1)} s`);
      },
    };
  }

  list(): RunningJob[] {
    return [...this.running.values()];
  }

  /** Called whenever a run begins or ends (the heartbeat beats at once). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
