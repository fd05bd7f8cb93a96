import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { RedisService } from '../redis/redis.module';
import { scanSuffixes } from '../redis/scan-suffixes';
import { sessionChannels, sessionKeys } from './session-keys';

export interface SessionRecord {
  userId: string;
  /** The account's session epoch when the session began (absent in records from before epochs). */
  epoch?: number;
  createdAt: string;
}

export interface Revocation {
  userId: string;
  /** One session (logout); absent: every session of the user. */
  sessionDigest?: string;
}

/** Sessions in Redis: a record per token digest with the session's TTL, and a set of a user's digests. */
export class SessionRecords {
  private readonly client: Redis;

  constructor(private readonly redis: RedisService) {
    this.client = redis.client;
  }

  /**
   * SESSION_SECRET, or else the one generated secret kept in Redis, so every process sharing that
   * Redis (api or worker, whatever its DATA_DIR) gets the same one.
   */
  async secret(configured: string | undefined): Promise<Buffer> {
    if (configured) return Buffer.from(configured);
    await this.client.set(sessionKeys.sessionSecret, randomBytes(32).toString('base64url'), 'NX');
    return Buffer.from((await this.client.get(sessionKeys.sessionSecret)) as string);
  }

  async create(digest: string, record: SessionRecord, ttlSeconds: number): Promise<void> {
    await this.client
      .multi()
      .set(sessionKeys.session(digest), JSON.stringify(record), 'EX', ttlSeconds)
      .sadd(sessionKeys.sessionsOfUser(record.userId), digest)
      .expire(sessionKeys.sessionsOfUser(record.userId), ttlSeconds)
      .exec();
  }

  async get(digest: string): Promise<SessionRecord | null> {
    const record = await this.client.get(sessionKeys.session(digest));
    return record ? (JSON.parse(record) as SessionRecord) : null;
  }

  /** Milliseconds until the session expires; 0 when it is gone. */
  async remainingMs(digest: string): Promise<number> {
    return Math.max(0, await this.client.pttl(sessionKeys.session(digest)));
  }

  async remove(userId: string, digest: string): Promise<void> {
    await this.client.multi().del(sessionKeys.session(digest)).srem(sessionKeys.sessionsOfUser(userId), digest).exec();
  }

  /** Users with sessions. */
  owners(): Promise<string[]> {
    return scanSuffixes(this.client, sessionKeys.sessionsOfUser(''));
  }

  /** Every session of the user. */
  async removeAllOf(userId: string): Promise<void> {
    const digests = await this.client.smembers(sessionKeys.sessionsOfUser(userId));
    const tx = this.client.multi().del(sessionKeys.sessionsOfUser(userId));
    for (const d of digests) tx.del(sessionKeys.session(d));
    await tx.exec();
  }

  /** Tells every api process (this one included) that those sessions are gone. */
  async publish(revocation: Revocation): Promise<void> {
    await this.client.publish(sessionChannels.sessionsRevoked, JSON.stringify(revocation));
  }

  /** Calls `listener` with every revocation any process publishes, on a connection of its own. */
  async onRevocations(listener: (r: Revocation) => void): Promise<void> {
    const subscriber = this.redis.connect('sessions-subscriber');
    subscriber.on('message', (_channel: string, message: string) => listener(JSON.parse(message) as Revocation));
    await subscriber.subscribe(sessionChannels.sessionsRevoked);
  }
}
