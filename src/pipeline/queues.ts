// Queue names and payloads in one place: adding a stage is one line in each.
export enum QueueName {
  /** probe + download: I/O-bound, DOWNLOAD_CONCURRENCY slots. */
  Download = 'download',
  /** ffmpeg to HLS: CPU-bound, TRANSCODE_CONCURRENCY slots. */
  Transcode = 'transcode',
}

export interface DownloadPayload {
  jobId: string;
  attempt: number;
}

export interface TranscodePayload {
  jobId: string;
  attempt: number;
  sourcePath: string;
}

export type QueuePayload = { [QueueName.Download]: DownloadPayload; [QueueName.Transcode]: TranscodePayload };

/** BullMQ job ids are per attempt so a retry is a new queue entry, never a no-op duplicate. */
export const queueJobId = (jobId: string, attempt: number) => `${jobId}-a${attempt}`;

/** Share of the whole-job percent each stage covers (sums to 100). */
export const STAGE_SPAN = {
  probing: { from: 0, to: 5 },
  downloading: { from: 5, to: 55 },
  transcoding: { from: 55, to: 100 },
} as const;
