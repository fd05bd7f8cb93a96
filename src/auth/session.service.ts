import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AuthUser, User } from '../users/user.types';
import { UsersService } from '../users/users.service';
import { Revocation, SessionRecords } from './session-records';

export type { Revocation } from './session-records';

/**
 * Sessions are opaque random tokens signed with the session secret (a forged token is refused
 * before Redis is asked) and stored in Redis by digest with a TTL. Revoking one (logout) or all
 * of a user's (password change, disabled, removed) takes effect at once on every api process,
 * open sockets included: a revocation is published and each gateway drops those sockets.
 */
@Injectable()
export class SessionService implements OnModuleInit {
  private secret: Buffer;
  private readonly revocationListeners = new Set<(r: Revocation) => void>();

  constructor(
    private readonly records: SessionRecords,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.secret = await this.records.secret(this.config.sessionSecret);
    await this.records.onRevocations((revocation) => {
      for (const listener of this.revocationListeners) listener(revocation);
    });
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
    await this.records.create(sessionDigest, { userId: user.id, epoch: sessionEpoch, createdAt: new Date().toISOString() }, this.config.sessionTtlSeconds);
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
    const record = await this.records.get(sessionDigest);
    if (!record) return null;
    const { userId, epoch } = record;
    const current = await this.users.getForSession(userId);
    // A password, role or disabled change since this session began voids it, even one that
    // raced the login that made it.
    if (!current || current.user.disabled || current.sessionEpoch !== (epoch ?? 0)) return null;
    const { user } = current;
    return { id: user.id, username: user.username, role: user.role, sessionDigest };
  }

  /** Milliseconds until the session expires; 0 when it is gone. */
  remainingMs(sessionDigest: string): Promise<number> {
    return this.records.remainingMs(sessionDigest);
  }

  async revoke(userId: string, sessionDigest: string): Promise<void> {
    await this.records.remove(userId, sessionDigest);
    await this.records.publish({ userId, sessionDigest });
  }

  /** Every session of the user ends, open sockets and streams included. */
  async revokeAll(userId: string): Promise<void> {
    await this.records.removeAllOf(userId);
    await this.records.publish({ userId });
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(nonce).digest('base64url');
  }
}

const digest = (nonce: string) => createHash('sha256').update(nonce).digest('hex');
