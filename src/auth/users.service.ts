import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { keys } from '../jobs/job-keys';
import { RedisService } from '../redis/redis.module';
import { generatePassword, hashPassword, verifyPassword } from './password';
import { User, UserRole } from './user.types';

interface StoredUser extends User {
  passwordHash: string;
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * First start: create the admin. Returns the generated password (for the caller to print
   * once) when ADMIN_PASSWORD is unset; ADMIN_PASSWORD, when set, always wins.
   */
  async ensureBootstrapAdmin(): Promise<string | null> {
    const name = this.config.adminUsername;
    const existing = await this.findStored(name);
    if (existing) {
      if (this.config.adminPassword && !(await verifyPassword(this.config.adminPassword, existing.passwordHash))) {
        await this.redis.client.hset(keys.user(existing.id), 'passwordHash', await hashPassword(this.config.adminPassword));
        this.logger.log(`Admin "${name}" password set from ADMIN_PASSWORD`);
      }
      return null;
    }
    const password = this.config.adminPassword ?? generatePassword();
    const created = await this.create(name, password, 'admin');
    if (!created) return null; // another api process created it at the same moment
    if (this.config.adminPassword) {
      this.logger.log(`Admin "${name}" created with the password from ADMIN_PASSWORD`);
      return null;
    }
    return password;
  }

  async create(username: string, password: string, role: UserRole): Promise<User | null> {
    const user: StoredUser = {
      id: randomBytes(9).toString('base64url'),
      username,
      role,
      createdAt: new Date().toISOString(),
      passwordHash: await hashPassword(password),
    };
    const claimed = await this.redis.client.hsetnx(keys.usersByName, username.toLowerCase(), user.id);
    if (!claimed) return null;
    await this.redis.client.multi().hset(keys.user(user.id), { ...user }).sadd(keys.users, user.id).exec();
    return this.publicUser(user);
  }

  async get(id: string): Promise<User | null> {
    const stored = await this.redis.client.hgetall(keys.user(id));
    return stored.id ? this.publicUser(stored as unknown as StoredUser) : null;
  }

  /** The user when the password matches; null otherwise (same time for unknown names). */
  async verify(username: string, password: string): Promise<User | null> {
    const stored = await this.findStored(username);
    const ok = await verifyPassword(password, stored?.passwordHash ?? DUMMY_HASH);
    return stored && ok ? this.publicUser(stored) : null;
  }

  private async findStored(username: string): Promise<StoredUser | null> {
    const id = await this.redis.client.hget(keys.usersByName, username.toLowerCase());
    if (!id) return null;
    const stored = await this.redis.client.hgetall(keys.user(id));
    return stored.id ? (stored as unknown as StoredUser) : null;
  }

  private publicUser(u: StoredUser): User {
    return { id: u.id, username: u.username, role: u.role, createdAt: u.createdAt };
  }
}

// Verifying against a fixed hash for unknown names keeps response times alike.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
