// The one job shape shared by the REST API, socket.io events, SSE, the workers and the tests.
// Pure types and constants only: this file must never import NestJS (jest requires it in CJS mode).

export const JOB_STATES = [
  'queued',
  'probing',
  'downloading',
  'transcoding',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(['completed', 'failed', 'cancelled']);
export const isFinalState = (state: JobState): boolean => FINAL_STATES.has(state);
/** The final states a retry starts again from. */
export const RETRYABLE_STATES: ReadonlySet<JobState> = new Set<JobState>(['failed', 'cancelled']);

/** A video, or a collection: a playlist or channel whose entries are its child video jobs. */
export const JOB_KINDS = ['video', 'collection'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** How a collection's children stand; `running` is probing, downloading or transcoding. */
export interface CollectionChildren {
  total: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export const JOB_FORMATS = ['best', '1080p', '720p', '480p', 'audio'] as const;
export type JobFormat = (typeof JOB_FORMATS)[number];

/** Stable, machine-readable reasons; each comes with a sentence for people. */
export const JOB_ERROR_CODES = [
  'invalid_url', // not a usable http(s) URL
  'private_address', // points at loopback/private/link-local/metadata and that is not allowed
  'unsupported_url', // yt-dlp found no video on the page
  'source_not_found', // the server answered 404/410
  'source_unreachable', // DNS failure, connection refused, timeout, other HTTP errors
  'download_failed', // yt-dlp failed for another reason
  'not_video', // the downloaded file has no playable video or audio stream
  'transcode_failed', // ffmpeg failed
  'too_large', // over MAX_DOWNLOAD_BYTES
  'internal_error', // a bug or an environment problem; the message says which
  'login_required', // private, members-only or age-gated: the owner's cookies may open it
  'unavailable', // removed, geo-blocked, or not live yet
  'rate_limited', // HTTP 429 or the site's "try again later"
  'stalled', // the tool printed nothing for STALL_TIMEOUT_SECONDS (a source that stopped sending): killed
  'disk_full', // free space fell under MIN_FREE_DISK_BYTES while it ran: stopped, partial files removed
  'storage_full', // a child or a find that would start over its owner's USER_MAX_MEDIA_BYTES: not downloaded
] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

/** The values a sentence's key is rendered with (src/jobs/job-messages.ts). */
export type MessageParams = Record<string, string | number>;

export interface JobError {
  code: JobErrorCode;
  message: string;
  /** The values in the sentence (numbers, or the site's own reason): for rendering it in another language. Absent on older jobs. */
  params?: MessageParams;
}

export interface JobProgress {
  /** Whole job, 0–100, never goes backwards within one attempt. */
  percent: number;
  /** The current stage, 0–100. */
  stagePercent: number;
  downloadedBytes: number | null;
  totalBytes: number | null;
  speedBps: number | null;
  etaSeconds: number | null;
}

export interface Rendition {
  height: number | null;
  width: number | null;
  bandwidth: number;
  codecs: string | null;
}

export interface JobResult {
  playlistUrl: string;
  posterUrl: string | null;
  renditions: Rendition[];
  sizeBytes: number;
  durationSec: number | null;
  /** Whether the source video was copied as it was (true) or re-encoded. */
  videoCopied: boolean;
  /** `/api/jobs/<id>/file`: the whole video as one MP4 (audio: M4A); null if it could not be made. Absent on older jobs. */
  fileUrl?: string | null;
  /** Subtitle tracks in the HLS output (also renditions of master.m3u8). Absent on older jobs. */
  subtitles?: SubtitleInfo[];
}

export interface SubtitleInfo {
  /** The source's language tag, e.g. `en`, `zh-Hans`. */
  lang: string;
  /** For menus, e.g. "Chinese". */
  name: string;
  /** The WebVTT file, e.g. `/media/<id>/subs/zh.vtt`. */
  url: string;
}

export interface JobPreview {
  /** `/media/<id>/preview/v<N>/index.m3u8`: one variant's media playlist, played from its start. */
  playlistUrl: string;
}

export interface JobSnapshot {
  id: string;
  /**
   * `video` until the probe finds a playlist: the job then turns into a `collection` (once, while
   * `probing`) and its entries become child jobs.
   */
  kind: JobKind;
  /** The collection this video belongs to; null for a stand-alone job. */
  parentId: string | null;
  /** A collection's children, counted by state (collections only). */
  children?: CollectionChildren;
  url: string;
  format: JobFormat;
  ownerId: string;
  state: JobState;
  seq: number;
  attempt: number;
  progress: JobProgress;
  /** In English, for API clients. */
  message: string;
  /** The sentence's stable key (`job.ready`, `collection.summary`, `error.too_large.bytes`…), to render it in the reader's language; absent or null on older jobs. */
  messageKey?: string | null;
  /** The values for `messageKey`'s placeholders. */
  messageParams?: MessageParams | null;
  title: string | null;
  durationSec: number | null;
  thumbnailUrl: string | null;
  result?: JobResult;
  /** While `transcoding`, once the first segments exist: a growing (EVENT) playlist to watch; null otherwise. */
  preview?: JobPreview | null;
  error?: JobError;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export const emptyProgress = (): JobProgress => ({
  percent: 0,
  stagePercent: 0,
  downloadedBytes: null,
  totalBytes: null,
  speedBps: null,
  etaSeconds: null,
});
