import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { keys } from './job-keys';
import { crashPoint } from '../ops/crash-point';
import { withLogContext } from '../ops/log-context';
import { RedisService } from '../redis/redis.module';
import { FOLLOW_UP_NAMES, FOLLOW_UPS, FollowUpHandler, FollowUpName, jobIdOf, OutboxEntry, OutboxEventName, OutboxEvents } from './follow-ups';

/** An entry left pending this long by its consumer (dead, or whose handler failed) is taken over. */
export const CLAIM_IDLE_MS = 15_000;
/** How often each consumer looks for such entries: a dead process's are claimed within 20 s. */
const CLAIM_EVERY_MS = 5_000;
const READ_BLOCK_MS = 2_000;
/** One entry at a time: a batch handled longer than CLAIM_IDLE_MS would be claimed from under its reader. */
const BATCH = 1;
/** Acknowledged entries are trimmed this often; consumers of dead processes with nothing pending are forgotten after an hour. */
const TRIM_EVERY_MS = 30_000;
const FORGET_CONSUMER_IDLE_MS = 3_600_000;

type RawEntry = [id: string, fields: string[]];

/**
 * The transactional outbox's reading side. A write that ends a job appends `job.ended` to the
 * stream `vp:outbox` in the same Lua step (job-scripts.ts); every follow-up is a consumer group
 * on it, read in every process. A follow-up acknowledges an entry only after its handler resolved,
 * so a process that dies in between leaves it pending, and a live one claims it (XAUTOCLAIM) once
 * idle for CLAIM_IDLE_MS. Handlers are idempotent: a claimed entry may have had its effect already.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  private readonly handlers = new Map<FollowUpName, FollowUpHandler<FollowUpName>>();
  private readonly consumer = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly connections: Redis[] = [];
  private readonly loops: Promise<void>[] = [];
  private trimTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly redis: RedisService) {}

  /** Registers the one handler of a follow-up (in onModuleInit: reading starts at bootstrap). */
  handle<N extends FollowUpName>(name: N, handler: FollowUpHandler<N>): void {
    if (this.handlers.has(name)) throw new Error(`The follow-up ${name} has a handler already`);
    this.handlers.set(name, handler as unknown as FollowUpHandler<FollowUpName>);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const name of this.handlers.keys()) await this.ensureGroup(name);
    for (const [name, handler] of this.handlers) {
      // A blocking read holds its connection: one per follow-up.
      const conn = this.redis.connect(`outbox:${name}`);
      this.connections.push(conn);
      this.loops.push(this.consume(conn, name, handler));
    }
    this.trimTimer = setInterval(() => void this.trim().catch((err: Error) => this.logger.warn(`Could not trim the outbox: ${err.message}`)), TRIM_EVERY_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.trimTimer) clearInterval(this.trimTimer);
    for (const conn of this.connections) conn.disconnect(); // ends a blocked read at once
    await Promise.all(this.loops);
  }

  /**
   * Created at the stream's start: an end written before this process created the group (BullMQ's
   * workers start before bootstrap) is followed up too. A follow-up added later replays only the
   * few entries not trimmed yet, and its effects are idempotent.
   */
  private async ensureGroup(name: FollowUpName): Promise<void> {
    try {
      await this.redis.client.xgroup('CREATE', keys.outbox, name, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  private async consume(conn: Redis, name: FollowUpName, handler: FollowUpHandler<FollowUpName>): Promise<void> {
    let claimedAt = 0;
    while (!this.stopped) {
      try {
        if (Date.now() - claimedAt >= CLAIM_EVERY_MS) {
          claimedAt = Date.now();
          await this.claimAndHandle(conn, name, handler);
        }
        const read = (await conn.xreadgroup('GROUP', name, this.consumer, 'COUNT', BATCH, 'BLOCK', READ_BLOCK_MS, 'STREAMS', keys.outbox, '>')) as [string, RawEntry[]][] | null;
        for (const raw of read?.[0]?.[1] ?? []) await this.handleOne(name, handler, raw);
      } catch (err) {
        if (this.stopped) return;
        if (/NOGROUP/.test((err as Error).message)) await this.ensureGroup(name).catch(() => undefined); // the stream was deleted (FLUSHALL)
        else this.logger.warn(`Reading the outbox for ${name}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Entries left pending by a dead process, or by a handler that failed, handled again here. */
  private async claimAndHandle(conn: Redis, name: FollowUpName, handler: FollowUpHandler<FollowUpName>): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries] = (await conn.xautoclaim(keys.outbox, name, this.consumer, CLAIM_IDLE_MS, cursor, 'COUNT', BATCH)) as [string, RawEntry[], string[]];
      for (const raw of entries) await this.handleOne(name, handler, raw);
      cursor = next;
    } while (cursor !== '0-0' && !this.stopped);
  }

  private async handleOne(name: FollowUpName, handler: FollowUpHandler<FollowUpName>, [id, fields]: RawEntry): Promise<void> {
    const entry = parseEntry(id, fields);
    if (!entry || FOLLOW_UPS[name] !== entry.event) {
      await this.redis.client.xack(keys.outbox, name, id); // not for this follow-up (or unreadable): nothing to do
      return;
    }
    const jobId = jobIdOf(entry);
    try {
      await withLogContext({ jobId }, () => handler(entry.payload, entry));
    } catch (err) {
      // Left pending: claimed and tried again in CLAIM_IDLE_MS, by this process or another.
      this.logger.error(`Job ${jobId}: ${name} after ${entry.event} failed, will retry: ${(err as Error).message}`);
      return;
    }
    crashPoint(`outbox.handled:${name}`);
    await this.redis.client.xack(keys.outbox, name, id);
  }

  /**
   * Drops the entries every group has acknowledged (below the oldest pending one of any group):
   * XTRIM by MINID, never MAXLEN, which would drop entries still pending (NOTES.md).
   */
  async trim(): Promise<void> {
    const client = this.redis.client;
    const groups = (await client.xinfo('GROUPS', keys.outbox)) as unknown[][];
    let minId: string | null = null;
    for (const raw of groups) {
      const group = fieldsOf(raw);
      // A group no follow-up reads any more (renamed or removed in an upgrade) must not hold the stream.
      if (!FOLLOW_UP_NAMES.includes(String(group.name) as FollowUpName)) continue;
      let keep = String(group['last-delivered-id']);
      if (Number(group.pending) > 0) {
        const [oldest] = (await client.xpending(keys.outbox, String(group.name), '-', '+', 1)) as [string, ...unknown[]][];
        if (oldest) keep = oldest[0];
      }
      if (minId === null || compareIds(keep, minId) < 0) minId = keep;
      await this.forgetIdleConsumers(String(group.name));
    }
    if (minId !== null && minId !== '0-0') await client.xtrim(keys.outbox, 'MINID', minId);
  }

  private async forgetIdleConsumers(group: string): Promise<void> {
    const consumers = (await this.redis.client.xinfo('CONSUMERS', keys.outbox, group)) as unknown[][];
    for (const raw of consumers.map(fieldsOf)) {
      if (Number(raw.pending) === 0 && Number(raw.idle) > FORGET_CONSUMER_IDLE_MS) {
        await this.redis.client.xgroup('DELCONSUMER', keys.outbox, group, String(raw.name));
      }
    }
  }
}

function parseEntry(id: string, fields: string[]): OutboxEntry | null {
  const f = fieldsOf(fields);
  const event = f.type as OutboxEventName;
  if (!(event in ({ 'job.ended': true } satisfies Record<OutboxEventName, true>))) return null;
  try {
    return { id, event, payload: JSON.parse(String(f.data)) as OutboxEvents[typeof event] };
  } catch {
    return null;
  }
}

/** A flat [name, value, name, value…] reply as an object. */
function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
