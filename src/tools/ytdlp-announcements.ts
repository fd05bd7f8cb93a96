import type Redis from 'ioredis';
import { liveWorkers } from '../workers/live-workers';
import type { YtdlpWorkerAnnouncement } from './tools-keys';

/** What every live worker says about its yt-dlp, from the worker heartbeats (an expired one has stopped). */
export async function liveYtdlpWorkers(redis: Redis): Promise<YtdlpWorkerAnnouncement[]> {
  return (await liveWorkers(redis)).map((w) => ({
    host: w.host,
    pid: w.pid,
    managed: w.ytdlp.managed,
    manageable: w.ytdlp.manageable ?? w.ytdlp.managed,
    version: w.ytdlp.version,
    at: w.lastHeartbeatAt,
  }));
}
