// The pipeline, declared: which queue follows which, what each carries, the states it reports and
// how many run at once. Adding a stage is one entry here (and its payload line), plus its processor.
// Pure: no NestJS, so the table is unit-tested and read by anything.
import type { AppConfig } from '../config/config';
import type { JobState } from '../jobs/job.types';

export enum QueueName {
  /** probe + download: I/O-bound, DOWNLOAD_CONCURRENCY slots. */
  Download = 'download',
  /** ffmpeg to HLS: CPU-bound, TRANSCODE_CONCURRENCY slots. */
  Transcode = 'transcode',
}

/** What one queue entry carries: always the job and its attempt, plus what the stage before handed over. */
export interface StagePayloads {
  [QueueName.Download]: { jobId: string; attempt: number };
  [QueueName.Transcode]: { jobId: string; attempt: number; sourcePath: string; subtitles?: import('./ytdlp/ytdlp-session').DownloadedSubtitles };
}
export type StagePayload<Q extends QueueName> = StagePayloads[Q];
export type DownloadPayload = StagePayload<QueueName.Download>;
export type TranscodePayload = StagePayload<QueueName.Transcode>;

/** A share of the whole-job percent, from..to. */
export interface PercentSpan {
  from: number;
  to: number;
}

export type RunningState = Extract<JobState, 'probing' | 'downloading' | 'transcoding'>;

export interface StageDefinition {
  /** The states this stage reports, in order, each with its share of the whole-job percent. */
  states: Partial<Record<RunningState, PercentSpan>>;
  /** The queue that takes over when this stage is done; null: the job completes here. */
  next: QueueName | null;
  /** Slots per worker process. */
  concurrency(config: AppConfig): number;
}

export const PIPELINE: Readonly<Record<QueueName, StageDefinition>> = {
  [QueueName.Download]: {
    states: { probing: { from: 0, to: 5 }, downloading: { from: 5, to: 55 } },
    next: QueueName.Transcode,
    concurrency: (config) => config.downloadConcurrency,
  },
  [QueueName.Transcode]: {
    states: { transcoding: { from: 55, to: 100 } },
    next: null,
    concurrency: (config) => config.transcodeConcurrency,
  },
};

/** Where a new job, or a retried one, starts. */
export const FIRST_QUEUE = QueueName.Download;

/** Every queue, in pipeline order. */
export const QUEUE_NAMES: readonly QueueName[] = pipelineOrder();

/** Every running state's share of the whole-job percent (the spans together cover 0..100). */
export const STAGE_SPAN: Readonly<Record<RunningState, PercentSpan>> = Object.assign(
  {},
  ...QUEUE_NAMES.map((q) => PIPELINE[q].states),
) as Record<RunningState, PercentSpan>;

/**
 * BullMQ options of every stage entry. Ids are per attempt, so a retry is a new queue entry,
 * never a no-op duplicate; finished entries stay a day (failed ones a week) for Bull Board.
 * `attempts: 1`, no backoff: a failed stage has already told its owner why (a site's refusal, a
 * bad file), and running it again unasked would only repeat that; passing network trouble is
 * retried inside yt-dlp, and a dead worker's job is taken over by the stalled-job check instead
 * (STAGE_WORKER_OPTIONS in stage-processor.ts), which does not count as an attempt.
 */
export function stageJobOptions(jobId: string, attempt: number) {
  return { jobId: queueJobId(jobId, attempt), attempts: 1, removeOnComplete: { age: 86400, count: 1000 }, removeOnFail: { age: 7 * 86400 } };
}

export const queueJobId = (jobId: string, attempt: number) => `${jobId}-a${attempt}`;

function pipelineOrder(): QueueName[] {
  const order: QueueName[] = [];
  for (let q: QueueName | null = FIRST_QUEUE; q !== null; q = PIPELINE[q].next) {
    if (order.includes(q)) throw new Error(`The pipeline loops at ${q}`);
    order.push(q);
  }
  const unreachable = Object.values(QueueName).filter((q) => !order.includes(q));
  if (unreachable.length) throw new Error(`No stage leads to ${unreachable.join(', ')}`);
  return order;
}
