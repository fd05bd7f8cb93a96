// Redis keys and channels of the tools feature (the job keys live in src/jobs/job-keys.ts).
export const toolsKeys = {
  /** One per live worker, with a TTL: `{ host, pid, managed, version }` of the yt-dlp it uses. */
  ytdlpWorker: (workerId: string) => `vp:tools:ytdlp:worker:${workerId}`,
  ytdlpWorkerPattern: 'vp:tools:ytdlp:worker:*',
} as const;

export const toolsChannels = {
  /** An admin asked every worker to update its managed yt-dlp now. */
  ytdlpUpdate: 'vp:events:ytdlp-update',
} as const;

export interface YtdlpWorkerAnnouncement {
  host: string;
  pid: number;
  managed: boolean;
  version: string | null;
  at: string;
}

/** Announcements live this long without a refresh: a dead worker drops out within it. */
export const YTDLP_ANNOUNCE_TTL_SECONDS = 30;
