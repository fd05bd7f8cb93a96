import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { keys } from '../jobs/job-keys';

/**
 * SESSION_SECRET, or else the one generated secret kept in Redis, so every process sharing that
 * Redis (api or worker, whatever its DATA_DIR) gets the same one.
 */
export async function loadSessionSecret(redis: Redis, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured);
  await redis.set(keys.sessionSecret, randomBytes(32).toString('base64url'), 'NX');
  return Buffer.from((await redis.get(keys.sessionSecret)) as string);
}
