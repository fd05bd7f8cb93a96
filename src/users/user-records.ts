import type Redis from 'ioredis';
import type { RedisSource } from '../redis/redis.module';
import { UserRole } from './user.types';
import { userKeys } from './user-keys';

export interface StoredUser {
  id: string;
  username: string;
  role: UserRole;
  createdAt: string;
  disabled?: string; // '1' when disabled
  passwordHash: string;
  /** Bumped by every password, role or disabled change: sessions made before it are void. */
  sessionEpoch?: string;
}

/** Accounts in Redis: `vp:user:<id>` hashes, a case-insensitive name index and a set of ids. */
export class UserRecords {
  private readonly client: Redis;

  constructor(source: RedisSource) {
    this.client = source.client;
  }

  /** Stores a new user unless its name (case-insensitive) is taken; false when it is. */
  async create(user: StoredUser): Promise<boolean> {
    if (!(await this.client.hsetnx(userKeys.usersByName, user.username.toLowerCase(), user.id))) return false;
    await this.client.multi().hset(userKeys.user(user.id), { ...user }).sadd(userKeys.users, user.id).exec();
    return true;
  }

  async get(id: string): Promise<StoredUser | null> {
    const stored = await this.client.hgetall(userKeys.user(id));
    return stored.id ? (stored as unknown as StoredUser) : null;
  }

  async findByName(username: string): Promise<StoredUser | null> {
    const id = await this.client.hget(userKeys.usersByName, username.toLowerCase());
    return id ? this.get(id) : null;
  }

  async ids(): Promise<string[]> {
    return this.client.smembers(userKeys.users);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.client.exists(userKeys.user(id))) === 1;
  }

  /** Writes the changed fields and bumps the session epoch in one step. */
  async change(id: string, fields: Partial<Pick<StoredUser, 'passwordHash' | 'role' | 'disabled'>>): Promise<void> {
    await this.client.multi().hset(userKeys.user(id), fields).hincrby(userKeys.user(id), 'sessionEpoch', 1).exec();
  }

  async remove(user: Pick<StoredUser, 'id' | 'username'>): Promise<void> {
    await this.client.multi().del(userKeys.user(user.id)).srem(userKeys.users, user.id).hdel(userKeys.usersByName, user.username.toLowerCase()).exec();
  }

  /** Takes the admins' lock for 10 s under `token`; false while another holds it. */
  async lockAdmins(token: string): Promise<boolean> {
    return (await this.client.set(userKeys.adminsLock, token, 'PX', 10_000, 'NX')) === 'OK';
  }

  /** Gives the lock back if `token` still holds it. */
  async unlockAdmins(token: string): Promise<void> {
    await this.client.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end", 1, userKeys.adminsLock, token);
  }
}
