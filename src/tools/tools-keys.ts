// Redis channels of the tools feature (the job keys live in src/jobs/job-keys.ts; workers announce
// their yt-dlp in their heartbeat: src/workers/worker-heartbeat.ts).
export const toolsChannels = {
  /** An admin asked every worker to update its managed yt-dlp now. */
  ytdlpUpdate: 'vp:events:ytdlp-update',
} as const;

export interface YtdlpWorkerAnnouncement {
  host: string;
  pid: number;
  managed: boolean;
  /** It may manage its own yt-dlp (no YTDLP_PATH), though it may be falling back to the system's now. */
  manageable: boolean;
  version: string | null;
  at: string;
}
