import type Redis from 'ioredis';
import { parseHeartbeat, workerKeys, WorkerHeartbeat } from './worker-keys';

/** Every worker whose heartbeat has not expired, oldest first (a plain function over ioredis). */
export async function liveWorkers(redis: Redis, pattern: string = workerKeys.pattern): Promise<WorkerHeartbeat[]> {
  const found: WorkerHeartbeat[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    cursor = next;
    const values = keys.length ? await redis.mget(...keys) : [];
    for (const v of values) {
      const worker = parseHeartbeat(v);
      if (worker) found.push(worker);
    }
  } while (cursor !== '0');
  return found.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}
