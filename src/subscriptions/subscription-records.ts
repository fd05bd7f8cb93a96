// Subscriptions in Redis; only this class reads or writes subscriptionKeys (a check's finds mark
// `seen` in JobRecords.createFind's own step, so a find and its mark are one write).
import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { scanSuffixes } from '../redis/scan-suffixes';
import type { RedisSource } from '../redis/redis.module';
import type { JobFormat, MessageParams } from '../jobs/job.types';
import { subscriptionKeys } from './subscription-keys';
import type { Subscription } from './subscription.types';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [1, id] created; [0, ''] the owner has `max` already; [-1, existing id] the owner follows `url` already. */
    vpCreateSubscription(oneKey: string, ownerKey: string, urlsKey: string, id: string, url: string, max: string, score: string, keyPrefix: string, ...fields: string[]): Result<[number, string], Context>;
    vpRemoveSubscription(oneKey: string, seenKey: string, ownerKey: string, urlsKey: string, id: string): Result<number, Context>;
  }
}

// The count, the owner's URL index and the record in one step: parallel POSTs cannot pass the cap
// together, nor follow one URL twice.
const CREATE_SCRIPT = `
local oneKey, ownerKey, urlsKey = KEYS[1], KEYS[2], KEYS[3]
local id, url, max, score, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
-- Subscriptions made before the URL index existed are indexed here, once.
if redis.call('HLEN', urlsKey) < redis.call('ZCARD', ownerKey) then
  for _, other in ipairs(redis.call('ZRANGE', ownerKey, 0, -1)) do
    local otherUrl = redis.call('HGET', prefix .. other, 'url')
    if otherUrl then redis.call('HSETNX', urlsKey, otherUrl, other) end
  end
end
local existing = redis.call('HGET', urlsKey, url)
if existing then return { -1, existing } end
if redis.call('ZCARD', ownerKey) >= max then return { 0, '' } end
redis.call('HSET', oneKey, unpack(ARGV, 6))
redis.call('ZADD', ownerKey, score, id)
redis.call('HSET', urlsKey, url, id)
return { 1, id }
`;

// Frees its place and its URL (only if the index still names this subscription).
const REMOVE_SCRIPT = `
local oneKey, seenKey, ownerKey, urlsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id = ARGV[1]
local url = redis.call('HGET', oneKey, 'url')
if url and redis.call('HGET', urlsKey, url) == id then redis.call('HDEL', urlsKey, url) end
redis.call('DEL', oneKey, seenKey)
return redis.call('ZREM', ownerKey, id)
`;

/** Why a check found nothing: the English sentence, and its key and values when it has them. */
export interface CheckError {
  message: string;
  key?: string | null;
  params?: MessageParams | null;
}

/** Stored values (JSON); a record from before keys, or one that does not parse, has none. */
function paramsOf(json: string | undefined): MessageParams {
  if (!json) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as MessageParams) : {};
  } catch {
    return {};
  }
}

export interface StoredSubscription extends Subscription {
  ownerId: string;
}

export type CreateOutcome =
  | { kind: 'created'; subscription: StoredSubscription }
  | { kind: 'too_many' }
  | { kind: 'already_subscribed'; existingId: string };

export class SubscriptionRecords {
  private readonly redis: Redis;

  constructor(source: RedisSource) {
    const redis = (this.redis = source.client);
    redis.defineCommand('vpCreateSubscription', { numberOfKeys: 3, lua: CREATE_SCRIPT });
    redis.defineCommand('vpRemoveSubscription', { numberOfKeys: 4, lua: REMOVE_SCRIPT });
  }

  /** A new subscription, unless its owner has `max` already or follows the same URL. */
  async create(input: { ownerId: string; url: string; format: JobFormat; intervalMinutes: number }, max: number): Promise<CreateOutcome> {
    const id = randomBytes(9).toString('base64url');
    const createdAt = new Date().toISOString();
    const fields = { id, ...input, lastCheckedAt: '', lastError: '', lastErrorKey: '', lastErrorParams: '', createdAt };
    const [status, otherId] = await this.redis.vpCreateSubscription(
      subscriptionKeys.one(id), subscriptionKeys.ofOwner(input.ownerId), subscriptionKeys.urlsOf(input.ownerId),
      id, input.url, String(max), String(Date.now()), subscriptionKeys.one(''),
      ...Object.entries(fields).flatMap(([k, v]) => [k, String(v)]),
    );
    if (status === 0) return { kind: 'too_many' };
    if (status === -1) return { kind: 'already_subscribed', existingId: otherId };
    return { kind: 'created', subscription: { id, ...input, lastCheckedAt: null, lastError: null, lastErrorKey: null, lastErrorParams: null, createdAt, seen: 0 } };
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
      lastCheckedAt: fields.lastCheckedAt || null,
      lastError: fields.lastError || null,
      lastErrorKey: (fields.lastError && fields.lastErrorKey) || null,
      lastErrorParams: fields.lastError && fields.lastErrorKey ? paramsOf(fields.lastErrorParams) : null,
      createdAt: fields.createdAt,
      seen,
    };
  }

  async listOf(ownerId: string): Promise<StoredSubscription[]> {
    const ids = await this.redis.zrange(subscriptionKeys.ofOwner(ownerId), '0', '-1');
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((s): s is StoredSubscription => s !== null);
  }

  /** After a check; nothing is written for a subscription deleted meanwhile. */
  async checked(id: string, lastError: CheckError | null): Promise<void> {
    const key = subscriptionKeys.one(id);
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastCheckedAt', ARGV[1], 'lastError', ARGV[2], 'lastErrorKey', ARGV[3], 'lastErrorParams', ARGV[4]) end",
      1, key, new Date().toISOString(), lastError?.message ?? '', lastError?.key ?? '', lastError?.key ? JSON.stringify(lastError.params ?? {}) : '',
    );
  }

  /** Removes it and frees its place and its URL for the owner. */
  async remove(sub: { id: string; ownerId: string }): Promise<void> {
    await this.redis.vpRemoveSubscription(
      subscriptionKeys.one(sub.id), subscriptionKeys.seen(sub.id), subscriptionKeys.ofOwner(sub.ownerId), subscriptionKeys.urlsOf(sub.ownerId), sub.id,
    );
  }

  /** Owners that have (or had, and a removal left indexes of) subscriptions. */
  async owners(): Promise<string[]> {
    return (await scanSuffixes(this.redis, subscriptionKeys.ofOwner(''))).filter((k) => !k.endsWith(':urls'));
  }

  /** What is left of an account's subscriptions once each was removed (ids whose record went missing). */
  async removeIndexesOf(ownerId: string): Promise<void> {
    await this.redis.del(subscriptionKeys.ofOwner(ownerId), subscriptionKeys.urlsOf(ownerId));
  }
}

/** What the API shows of a stored subscription (not its owner). */
export function publicSubscription(s: StoredSubscription): Subscription {
  const { ownerId: _owner, ...shown } = s;
  return shown;
}
