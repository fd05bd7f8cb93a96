import type Redis from 'ioredis';
import { toolsKeys, YtdlpWorkerAnnouncement } from './tools-keys';

/** What every live worker says about its yt-dlp (an expired one has stopped). */
export async function liveYtdlpWorkers(redis: Redis): Promise<YtdlpWorkerAnnouncement[]> {
  const found: YtdlpWorkerAnnouncement[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', toolsKeys.ytdlpWorkerPattern, 'COUNT', 200);
    cursor = next;
    const values = keys.length ? await redis.mget(...keys) : [];
    for (const v of values) {
      try {
        if (v) found.push(JSON.parse(v) as YtdlpWorkerAnnouncement);
      } catch {
        // a malformed announcement counts as no worker
      }
    }
  } while (cursor !== '0');
  return found;
}
