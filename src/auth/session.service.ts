import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { keys } from '../jobs/job-keys';
import { RedisService } from '../redis/redis.module';
import { AuthUser, User } from './user.types';
import { UsersService } from './users.service';

/**
 * Sessions are opaque random tokens signed with the session secret (a forged token is refused
 * before Redis is asked) and stored in Redis by digest with a TTL, so logout revokes them at
 * once on every api process.
 */
@Injectable()
export class SessionService implements OnModuleInit {
  private secret: Buffer;

  constructor(
    private readonly redis: RedisService,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Unset SESSION_SECRET: one generated secret kept in Redis, so every process sharing that
    // Redis (whatever its DATA_DIR) accepts the same sessions.
    if (this.config.sessionSecret) {
      this.secret = Buffer.from(this.config.sessionSecret);
      return;
    }
    await this.redis.client.set(keys.sessionSecret, randomBytes(32).toString('base64url'), 'NX');
    this.secret = Buffer.from((await this.redis.client.get(keys.sessionSecret)) as string);
  }

  get ttlSeconds(): number {
    return this.config.sessionTtlSeconds;
  }

  async create(user: User): Promise<string> {
    const nonce = randomBytes(32).toString('base64url');
    const record = JSON.stringify({ userId: user.id, createdAt: new Date().toISOString() });
    await this.redis.client.set(keys.session(digest(nonce)), record, 'EX', this.config.sessionTtlSeconds);
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
    const user = await this.users.get((JSON.parse(record) as { userId: string }).userId);
    return user ? { id: user.id, username: user.username, role: user.role, sessionDigest } : null;
  }

  async revoke(sessionDigest: string): Promise<void> {
    await this.redis.client.del(keys.session(sessionDigest));
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(nonce).digest('base64url');
  }
}

const digest = (nonce: string) => createHash('sha256').update(nonce).digest('hex');
