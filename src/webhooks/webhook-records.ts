// Webhooks and their deliveries in Redis; only this class reads or writes webhookKeys.
import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { RedisSource } from '../redis/redis.module';
import { scanSuffixes } from '../redis/scan-suffixes';
import { webhookKeys } from './webhook-keys';
import { MAX_DELIVERIES_KEPT, Webhook, WebhookDelivery } from './webhook.types';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** 1 added, 0 the owner has `max` already. */
    vpAddWebhook(ownerKey: string, id: string, data: string, max: string): Result<number, Context>;
    /** Stores a delivery and keeps only the newest `keep` of its webhook. */
    vpSaveDelivery(listKey: string, deliveryKey: string, id: string, data: string, score: string, keep: string, ttlSeconds: string, keyPrefix: string): Result<number, Context>;
  }
}

// A count checked and a webhook added in one step: parallel registrations cannot pass the cap together.
const ADD_SCRIPT = `
local ownerKey = KEYS[1]
local id, data, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('HLEN', ownerKey) >= max then return 0 end
redis.call('HSET', ownerKey, id, data)
return 1
`;

// The first save of a delivery sets its place (score); later tries update it in place.
const SAVE_DELIVERY_SCRIPT = `
local listKey, deliveryKey = KEYS[1], KEYS[2]
local id, data, score, keep, ttl, prefix = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
redis.call('SET', deliveryKey, data, 'EX', ttl)
redis.call('ZADD', listKey, 'NX', score, id)
redis.call('EXPIRE', listKey, ttl)
local old = redis.call('ZRANGE', listKey, 0, -(keep + 1))
for _, oldId in ipairs(old) do redis.call('DEL', prefix .. oldId) end
if #old > 0 then redis.call('ZREMRANGEBYRANK', listKey, 0, -(keep + 1)) end
return 1
`;

/** Deliveries (and the lists of a deleted webhook or account) go away on their own after a month. */
const DELIVERY_TTL_SECONDS = 30 * 86400;

export class WebhookRecords {
  protected readonly redis: Redis;

  constructor(source: RedisSource) {
    const redis = (this.redis = source.client);
    redis.defineCommand('vpAddWebhook', { numberOfKeys: 1, lua: ADD_SCRIPT });
    redis.defineCommand('vpSaveDelivery', { numberOfKeys: 2, lua: SAVE_DELIVERY_SCRIPT });
  }

  newId(): string {
    return randomBytes(9).toString('base64url');
  }

  /** The stored webhook, or null when the owner already has `max` (USER_MAX_WEBHOOKS). */
  async add(webhook: Webhook, max: number): Promise<Webhook | null> {
    const added = await this.redis.vpAddWebhook(webhookKeys.ofUser(webhook.ownerId), webhook.id, JSON.stringify(webhook), String(max));
    return added === 1 ? webhook : null;
  }

  /** Oldest first. */
  async listOf(ownerId: string): Promise<Webhook[]> {
    const all = Object.values(await this.redis.hgetall(webhookKeys.ofUser(ownerId))).map((v) => JSON.parse(v) as Webhook);
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Only among the owner's own: another user's webhook is as absent as a missing one. */
  async get(ownerId: string, id: string): Promise<Webhook | null> {
    const data = await this.redis.hget(webhookKeys.ofUser(ownerId), id);
    return data ? (JSON.parse(data) as Webhook) : null;
  }

  async remove(ownerId: string, id: string): Promise<boolean> {
    const removed = await this.redis.hdel(webhookKeys.ofUser(ownerId), id);
    if (removed) await this.redis.del(webhookKeys.deliveriesOf(id));
    return removed === 1;
  }

  /** Users with webhooks. */
  owners(): Promise<string[]> {
    return scanSuffixes(this.redis, webhookKeys.ofUser(''));
  }

  /** Every webhook of an account being removed, with the lists of their deliveries (each delivery expires on its own). */
  async removeAllOf(ownerId: string): Promise<void> {
    const ids = await this.redis.hkeys(webhookKeys.ofUser(ownerId));
    await this.redis.del(...ids.map((id) => webhookKeys.deliveriesOf(id)), webhookKeys.ofUser(ownerId));
  }

  /** Saves one delivery after a try: the first try gives its place in the list, later ones update it. */
  async saveDelivery(webhookId: string, delivery: WebhookDelivery, firstTriedAt: number): Promise<void> {
    await this.redis.vpSaveDelivery(
      webhookKeys.deliveriesOf(webhookId),
      webhookKeys.delivery(delivery.id),
      delivery.id,
      JSON.stringify(delivery),
      String(firstTriedAt),
      String(MAX_DELIVERIES_KEPT),
      String(DELIVERY_TTL_SECONDS),
      webhookKeys.delivery(''),
    );
  }

  /** The newest MAX_DELIVERIES_KEPT, newest first. */
  async deliveriesOf(webhookId: string): Promise<WebhookDelivery[]> {
    const ids = await this.redis.zrevrange(webhookKeys.deliveriesOf(webhookId), 0, MAX_DELIVERIES_KEPT - 1);
    if (ids.length === 0) return [];
    const rows = await this.redis.mget(ids.map((id) => webhookKeys.delivery(id)));
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WebhookDelivery);
  }
}
