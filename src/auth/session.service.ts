import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { channels, keys } from '../jobs/job-keys';
import { RedisService } from '../redis/redis.module';
import { AuthUser, User } from '../users/user.types';
import { UsersService } from '../users/users.service';
import { loadSessionSecret } from './session-secret';

export interface Revocation {
  userId: string;
  /** One session (logout); absent: every session of the user. */
  sessionDigest?: string;
}

/**
 * Sessions are opaque random tokens signed with the session secret (a forged token is refused
 * before Redis is asked) and stored in Redis by digest with a TTL. Revoking one (logout) or all
 * of a user's (password change, disabled, removed) takes effect at once on every api process,
 * open sockets included: a revocation is published and each gateway drops those sockets.
 */
@Injectable()
export class SessionService implements OnModuleInit {
  private secret: Buffer;
  private subscriber: Redis;
  private readonly revocationListeners = new Set<(r: Revocation) => void>();

  constructor(
    private readonly redis: RedisService,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.secret = await loadSessionSecret(this.redis.client, this.config.sessionSecret);
    this.subscriber = this.redis.connect('sessions-subscriber');
    this.subscriber.on('message', (_channel: string, message: string) => {
      const revocation = JSON.parse(message) as Revocation;
      for (const listener of this.revocationListeners) listener(revocation);
    });
    await this.subscriber.subscribe(channels.sessionsRevoked);
  }

  get ttlSeconds(): number {
    return this.config.sessionTtlSeconds;
  }

  onRevoked(listener: (r: Revocation) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** `sessionEpoch`: the account's epoch as read with the password that was checked. */
  async create(user: User, sessionEpoch: number): Promise<string> {
    const nonce = randomBytes(32).toString('base64url');
    const sessionDigest = digest(nonce);
    const record = JSON.stringify({ userId: user.id, epoch: sessionEpoch, createdAt: new Date().toISOString() });
    const ttl = this.config.sessionTtlSeconds;
    await this.redis.client
      .multi()
      .set(keys.session(sessionDigest), record, 'EX', ttl)
      .sadd(keys.sessionsOfUser(user.id), sessionDigest)
      .expire(keys.sessionsOfUser(user.id), ttl)
      .exec();
    return `${nonce}.${this.sign(nonce)}`;
  }

  async verify(token: string | null): Promise<AuthUser | null> {
    if (!token || token.length > 200) return null;
    const [nonce, signature] = token.split('.');
    if (!nonce || !signature) return null;
    const expected = Buffer.from(this.sign(nonce));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const sessionDigest = digest(nonce);
    const record = await this.redis.client.get(keys.session(sessionDigest));
    if (!record) return null;
    const { userId, epoch } = JSON.parse(record) as { userId: string; epoch?: number };
    const current = await this.users.getForSession(userId);
    // A password, role or disabled change since this session began voids it, even one that
    // raced the login that made it.
    if (!current || current.user.disabled || current.sessionEpoch !== (epoch ?? 0)) return null;
    const { user } = current;
    return { id: user.id, username: user.username, role: user.role, sessionDigest };
  }

  /** Milliseconds until the session expires; 0 when it is gone. */
  async remainingMs(sessionDigest: string): Promise<number> {
    return Math.max(0, await this.redis.client.pttl(keys.session(sessionDigest)));
  }

  async revoke(userId: string, sessionDigest: string): Promise<void> {
    await this.redis.client.multi().del(keys.session(sessionDigest)).srem(keys.sessionsOfUser(userId), sessionDigest).exec();
    await this.publish({ userId, sessionDigest });
  }

  async revokeAll(userId: string): Promise<void> {
    const digests = await this.redis.client.smembers(keys.sessionsOfUser(userId));
    const tx = this.redis.client.multi().del(keys.sessionsOfUser(userId));
    for (const d of digests) tx.del(keys.session(d));
    await tx.exec();
    await this.publish({ userId });
  }

  private async publish(revocation: Revocation): Promise<void> {
    await this.redis.client.publish(channels.sessionsRevoked, JSON.stringify(revocation));
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(nonce).digest('base64url');
  }
}

const digest = (nonce: string) => createHash('sha256').update(nonce).digest('hex');
