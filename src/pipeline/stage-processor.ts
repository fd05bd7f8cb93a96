import fs from 'node:fs/promises';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional, SetMetadata } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import type { AppConfig } from '../config/config';
import { toFailed } from '../jobs/job-lifecycle';
import { jobPaths, JobPaths } from '../jobs/job-paths';
import { failure as jobFailure, say } from '../jobs/job-messages';
import { JobRecords } from '../jobs/job-records';
import { isFinalState } from '../jobs/job.types';
import { DiskSpace } from '../disk/disk-space';
import { ABORT_SHUTDOWN, CancelRegistry } from './cancel-registry';
import { JobReporter } from './job-reporter';
import { formatBytes, formatDuration } from '../common/format';
import { PIPELINE, QueueName } from './pipeline';
import { JobSupersededError, PipelineError } from './pipeline-error';
import { toolContext } from '../process/tool-context';
import { RunningStages } from './running-stages';

/** A handed-back job waits this long, so the stopping worker is gone before it is free again. */
const HAND_BACK_DELAY_MS = 1000;

/** Our own reasons to stop a stage (beside a cancel or a shutdown): the job then fails with a code. */
const ABORT_STALLED = 'stalled';
const ABORT_DISK_FULL = 'disk_full';

/**
 * BullMQ's stalled-job handling, for workers that may die at any moment (SIGKILL, OOM, a deploy):
 * - lockDuration 20 s (renewed every 10 s): a dead worker's job is free again within 20 s, and a live
 *   worker never misses a renewal by that much (its event loop only relays the tools' output).
 * - stalledInterval 5 s: how soon after that another worker takes it (one small script per worker).
 * - maxStalledCount 3: a dying worker is seldom the job's fault (a deploy, another job's OOM), so a job
 *   survives three in a row; a fourth means the job itself kills workers, and it fails with a sentence.
 */
export const STAGE_WORKER_OPTIONS = { lockDuration: 20_000, stalledInterval: 5_000, maxStalledCount: 3 } as const;
// @nestjs/bullmq reads a processor's worker options from this metadata, which subclasses inherit
// (checked at start: onApplicationBootstrap fails loudly should the key ever change).
const WORKER_OPTIONS_METADATA = 'bullmq:worker_metadata';

/**
 * What every stage shares: skip a job that was cancelled or retried while it waited, hold an
 * abort handle for cancels, report through a JobReporter, and turn a failure into a `failed`
 * job with a code and a sentence. The error is rethrown so BullMQ (and Bull Board) see it too.
 */
@SetMetadata(WORKER_OPTIONS_METADATA, STAGE_WORKER_OPTIONS)
export abstract class StageProcessor<T extends { jobId: string; attempt: number }>
  extends WorkerHost
  implements OnApplicationBootstrap, OnModuleDestroy
{
  protected readonly logger = new Logger(this.constructor.name);
  /** Every folder a stage reads or writes (src/jobs/job-paths.ts). */
  protected readonly paths: JobPaths;
  private stopping = false;
  /** Stage durations, the worker's running jobs and the job's log context (running-stages.ts). */
  @Optional() @Inject(RunningStages) private readonly stages?: RunningStages;

  constructor(
    protected readonly store: JobRecords,
    private readonly cancels: CancelRegistry,
    protected readonly config: AppConfig,
    private readonly queue: QueueName,
  ) {
    super();
    this.paths = jobPaths(config);
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = PIPELINE[this.queue].concurrency(this.config);
    const { lockDuration, stalledInterval, maxStalledCount } = this.worker.opts;
    if (lockDuration !== STAGE_WORKER_OPTIONS.lockDuration || stalledInterval !== STAGE_WORKER_OPTIONS.stalledInterval || maxStalledCount !== STAGE_WORKER_OPTIONS.maxStalledCount) {
      throw new Error(`The ${this.queue} worker did not get STAGE_WORKER_OPTIONS (has @nestjs/bullmq's metadata key changed?)`);
    }
  }

  /**
   * Shutting down: take no new job first (a job handed back must go to another worker, not
   * straight back to this one), then stop the running ones; each hands its job back.
   * BullMQ closes the worker itself later, at application shutdown.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.worker.pause(true).catch(() => undefined);
    await this.cancels.stopAll(this.worker.name);
  }

  protected abstract runStage(job: Job<T>, reporter: JobReporter, signal: AbortSignal): Promise<void>;

  protected async removeWorkDir(jobId: string, attempt: number): Promise<void> {
    await fs.rm(this.paths.attempt(jobId, attempt), { recursive: true, force: true });
    await fs.rmdir(this.paths.work(jobId)).catch(() => undefined); // only when empty
  }

  async process(job: Job<T>, token?: string): Promise<void> {
    const { jobId, attempt } = job.data;
    // A fetch already in flight can still hand a stopping worker a job: give it straight back.
    if (this.stopping) {
      await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
      throw new DelayedError();
    }
    const snapshot = await this.store.get(jobId);
    if (!snapshot || snapshot.attempt !== attempt || isFinalState(snapshot.state)) {
      await this.removeWorkDir(jobId, attempt); // e.g. a downloaded source whose job was cancelled
      return; // cancelled, retried or deleted while it waited
    }
    const controller = this.cancels.register(jobId, job.queueName);
    const run = this.stages?.begin(this.queue, jobId);
    // Shutdown began while we read the job: stopAll has taken its list already.
    if (this.stopping) controller.abort(ABORT_SHUTDOWN);
    const reporter = new JobReporter(
      snapshot,
      (next) => this.store.write(next, 'attempt', attempt),
      this.config.progressIntervalMs,
      () => controller.abort(),
    );
    let ownFailure: PipelineError | null = null;
    const stopFor = (reason: string, failure: PipelineError) => {
      if (controller.signal.aborted) return;
      ownFailure = failure;
      controller.abort(reason);
    };
    const disk = new DiskSpace(this.config);
    const stopDiskWatch = disk.watch((free) => stopFor(ABORT_DISK_FULL, new PipelineError(jobFailure('disk_full', 'error.disk_full', { free: formatBytes(free), floor: formatBytes(disk.floorBytes) }))));
    // Every tool this stage starts is watched for silence (run-tool.ts, ffmpeg.runner.ts).
    const tools = { jobId, stallTimeoutMs: this.config.stallTimeoutMs, onStall: () => stopFor(ABORT_STALLED, this.stalledError()) };
    try {
      await toolContext.run(tools, () => this.runStage(job, reporter, controller.signal));
      // Cancelled just as the stage ended (e.g. after handing over to transcode, whose queue
      // entry the api then removed): nobody else will clean this attempt's folder.
      if (controller.signal.aborted && controller.signal.reason !== ABORT_SHUTDOWN && !ownFailure) await this.removeWorkDir(jobId, attempt);
    } catch (err) {
      if (controller.signal.reason === ABORT_SHUTDOWN && !reporter.superseded) {
        await this.handBack(job, reporter, token);
      }
      if ((controller.signal.aborted && !ownFailure) || reporter.superseded) {
        await this.removeWorkDir(jobId, attempt);
        return; // cancelled: the api already wrote the final state
      }
      const failure =
        ownFailure ??
        (err instanceof PipelineError
          ? err
          : new PipelineError(jobFailure('internal_error', 'error.internal_error.server', { reason: (err as Error).message })));
      this.logger.warn(`Job ${jobId} failed: ${failure.code}: ${failure.message}`);
      await reporter.close();
      await reporter.fail(failure.toJobError()).catch(() => undefined);
      await this.removeWorkDir(jobId, attempt);
      throw failure;
    } finally {
      stopDiskWatch();
      this.cancels.release(jobId, controller);
      await reporter.close();
      run?.end(controller.signal, reporter);
    }
  }

  /**
   * BullMQ can fail a job without running it again, e.g. one that stalled (its worker died) more
   * often than allowed: the job must not stay in a running state forever.
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<T> | undefined, err: Error): Promise<void> {
    // Registered with a plain worker.on(): nothing may reject out of here.
    try {
      if (!job || err instanceof DelayedError) return;
      const snapshot = await this.store.get(job.data.jobId);
      // Usually process() already wrote `failed`; this is for when it could not, or never ran.
      if (!snapshot || isFinalState(snapshot.state) || snapshot.attempt !== job.data.attempt) return;
      const error = err instanceof PipelineError ? err.toJobError() : unfinishedError(err);
      await this.store.write(toFailed(snapshot, error, new Date()), 'attempt');
      await this.removeWorkDir(job.data.jobId, job.data.attempt);
    } catch (failure) {
      this.logger.error(`Could not record the failure of job ${job?.data.jobId}: ${(failure as Error).message}`);
    }
  }

  private stalledError(): PipelineError {
    const idle = formatDuration(this.config.stallTimeoutMs / 1000);
    return new PipelineError(jobFailure('stalled', this.queue === QueueName.Download ? 'error.stalled.download' : 'error.stalled.transcode', { idle }));
  }

  /** This worker is stopping: the job goes back to its queue for another worker, same attempt. */
  private async handBack(job: Job<T>, reporter: JobReporter, token: string | undefined): Promise<void> {
    await reporter.close();
    try {
      await reporter.requeue(say('job.handed_back'));
    } catch (err) {
      if (err instanceof JobSupersededError) return; // cancelled meanwhile: the caller cleans up
      throw err;
    }
    await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
    throw new DelayedError();
  }
}

/** Why BullMQ gave a job up without our processor failing it, for people. */
function unfinishedError(err: Error) {
  if (/stalled more than allowable limit/.test(err.message)) {
    return jobFailure('internal_error', 'error.internal_error.workers_died', { count: STAGE_WORKER_OPTIONS.maxStalledCount + 1 });
  }
  return jobFailure('internal_error', 'error.internal_error.not_finished', { reason: err.message });
}

/** MAX_DURATION_SECONDS: refused as soon as the length is known, before the disk fills. */
export function assertDurationAllowed(durationSec: number | null, maxSeconds: number | null): void {
  if (maxSeconds !== null && durationSec !== null && durationSec > maxSeconds) throw tooLongError(maxSeconds, durationSec);
}

/** `durationSec` null: the length is unknown, only that it runs past the limit. */
export function tooLongError(maxSeconds: number, durationSec: number | null): PipelineError {
  const max = formatDuration(maxSeconds);
  return new PipelineError(
    durationSec === null
      ? jobFailure('too_large', 'error.too_large.duration_unknown', { max })
      : jobFailure('too_large', 'error.too_large.duration', { length: formatDuration(durationSec), max }),
  );
}
