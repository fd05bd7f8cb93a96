// Subscriptions in Redis: a plain class over an ioredis client (no NestJS), like JobRecords.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobFormat } from '../jobs/job.types';
import { Subscription, subscriptionKeys } from './subscription.types';

export interface StoredSubscription extends Subscription {
  ownerId: string;
  /** The active-jobs limit its owner had (0: none): its finds wait for places under it. */
  maxActive: number;
}

export class SubscriptionRecords {
  constructor(private readonly redis: Redis) {}

  async create(input: { ownerId: string; url: string; format: JobFormat; intervalMinutes: number; maxActive: number }): Promise<StoredSubscription> {
    const id = randomBytes(9).toString('base64url');
    const createdAt = new Date().toISOString();
    await this.redis
      .multi()
      .hset(subscriptionKeys.one(id), { id, ...input, lastCheckedAt: '', lastError: '', createdAt })
      .zadd(subscriptionKeys.ofOwner(input.ownerId), Date.now(), id)
      .exec();
    return { id, ...input, lastCheckedAt: null, lastError: null, createdAt, seen: 0 };
  }

  async get(id: string): Promise<StoredSubscription | null> {
    const [fields, seen] = await Promise.all([this.redis.hgetall(subscriptionKeys.one(id)), this.redis.scard(subscriptionKeys.seen(id))]);
    if (!fields.id) return null;
    return {
      id: fields.id,
      ownerId: fields.ownerId,
      url: fields.url,
      format: fields.format as JobFormat,
      intervalMinutes: Number(fields.intervalMinutes),
      maxActive: Number(fields.maxActive ?? 0),
      lastCheckedAt: fields.lastCheckedAt || null,
      lastError: fields.lastError || null,
      createdAt: fields.createdAt,
      seen,
    };
  }

  async listOf(ownerId: string): Promise<StoredSubscription[]> {
    const ids = await this.redis.zrange(subscriptionKeys.ofOwner(ownerId), '0', '-1');
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((s): s is StoredSubscription => s !== null);
  }

  /** Marks an entry seen; true only for the one check that saw it first, however many run at once. */
  async markSeen(id: string, entryUrl: string): Promise<boolean> {
    return (await this.redis.sadd(subscriptionKeys.seen(id), entryUrl)) === 1;
  }

  /** After a check; nothing is written for a subscription deleted meanwhile. */
  async checked(id: string, lastError: string | null): Promise<void> {
    const key = subscriptionKeys.one(id);
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastCheckedAt', ARGV[1], 'lastError', ARGV[2]) end",
      1, key, new Date().toISOString(), lastError ?? '',
    );
  }

  async remove(sub: { id: string; ownerId: string }): Promise<void> {
    await this.redis
      .multi()
      .del(subscriptionKeys.one(sub.id), subscriptionKeys.seen(sub.id))
      .zrem(subscriptionKeys.ofOwner(sub.ownerId), sub.id)
      .exec();
  }
}

/** What the API shows of a stored subscription (not its owner or the limit it carries). */
export function publicSubscription(s: StoredSubscription): Subscription {
  const { ownerId: _owner, maxActive: _max, ...shown } = s;
  return shown;
}
