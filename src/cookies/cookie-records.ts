import type Redis from 'ioredis';
import type { RedisSource } from '../redis/redis.module';
import { scanSuffixes } from '../redis/scan-suffixes';
import { cookieKeys } from './cookie-keys';

export interface SealedCookies {
  /** The encrypted cookies.txt (cookies-crypto.ts). */
  sealed: string;
  updatedAt: string;
}

/** A user's sealed cookies in Redis: one hash per user. */
export class CookieRecords {
  private readonly client: Redis;

  constructor(source: RedisSource) {
    this.client = source.client;
  }

  async save(userId: string, cookies: SealedCookies): Promise<void> {
    await this.client.hset(cookieKeys.ofUser(userId), { ...cookies });
  }

  async get(userId: string): Promise<SealedCookies | null> {
    const { sealed, updatedAt } = await this.client.hgetall(cookieKeys.ofUser(userId));
    return sealed ? { sealed, updatedAt: updatedAt ?? new Date(0).toISOString() } : null;
  }

  /** Users with stored cookies. */
  owners(): Promise<string[]> {
    return scanSuffixes(this.client, cookieKeys.ofUser(''));
  }

  async removeAllOf(userId: string): Promise<void> {
    await this.client.del(cookieKeys.ofUser(userId));
  }
}
