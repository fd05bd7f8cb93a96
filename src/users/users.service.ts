import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { generatePassword, hashPassword, verifyPassword } from './password';
import { StoredUser, UserRecords } from './user-records';
import { User, UserRole } from './user.types';

export interface UserPatch {
  password?: string;
  role?: UserRole;
  disabled?: boolean;
}

const noSuchUser = () => new ApiError(404, 'not_found', 'There is no such user.');

/** Accounts: passwords, roles, the bootstrap admin and the last-admin rule (stored by UserRecords). */
@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly records: UserRecords,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * First start: create the admin. Returns the generated password (for the caller to print
   * once) when ADMIN_PASSWORD is unset; ADMIN_PASSWORD, when set, always wins: `passwordSetFor`
   * names the admin whose password it replaced, whose sessions the caller ends.
   */
  async ensureBootstrapAdmin(): Promise<{ generatedPassword: string | null; passwordSetFor: string | null }> {
    const name = this.config.adminUsername;
    const existing = await this.findStored(name);
    if (existing) {
      if (this.config.adminPassword && !(await verifyPassword(this.config.adminPassword, existing.passwordHash))) {
        // A new password ends every old session, as any password change does (say, after a leak).
        await this.update(existing.id, { password: this.config.adminPassword });
        this.logger.log(`Admin "${name}" password set from ADMIN_PASSWORD; earlier sessions ended`);
        return { generatedPassword: null, passwordSetFor: existing.id };
      }
      return { generatedPassword: null, passwordSetFor: null };
    }
    const password = this.config.adminPassword ?? generatePassword();
    const created = await this.create(name, password, 'admin').catch(() => null);
    if (!created) return { generatedPassword: null, passwordSetFor: null }; // another api process created it at the same moment
    if (this.config.adminPassword) {
      this.logger.log(`Admin "${name}" created with the password from ADMIN_PASSWORD`);
      return { generatedPassword: null, passwordSetFor: null };
    }
    return { generatedPassword: password, passwordSetFor: null };
  }

  async create(username: string, password: string, role: UserRole): Promise<User> {
    const user: StoredUser = {
      id: randomBytes(9).toString('base64url'),
      username,
      role,
      createdAt: new Date().toISOString(),
      passwordHash: await hashPassword(password),
    };
    if (!(await this.records.create(user))) throw new ApiError(409, 'username_taken', `The username "${username}" is already taken.`, { username });
    return this.publicUser(user);
  }

  async get(id: string): Promise<User | null> {
    const stored = await this.getStored(id);
    return stored ? this.publicUser(stored) : null;
  }

  async list(): Promise<User[]> {
    const ids = await this.records.ids();
    const users = await Promise.all(ids.map((id) => this.get(id)));
    return users.filter((u): u is User => u !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * The user, and the session epoch read together with the password hash, when the password
   * matches and the account is enabled; null otherwise.
   */
  async verify(username: string, password: string): Promise<{ user: User; sessionEpoch: number } | null> {
    const stored = await this.findStored(username);
    // Verifying against a fixed hash for unknown names keeps response times alike.
    const ok = await verifyPassword(password, stored?.passwordHash ?? DUMMY_HASH);
    return stored && ok && stored.disabled !== '1' ? { user: this.publicUser(stored), sessionEpoch: Number(stored.sessionEpoch ?? 0) } : null;
  }

  /** The user with its current session epoch, for checking a session. */
  async getForSession(id: string): Promise<{ user: User; sessionEpoch: number } | null> {
    const stored = await this.getStored(id);
    return stored ? { user: this.publicUser(stored), sessionEpoch: Number(stored.sessionEpoch ?? 0) } : null;
  }

  async checkPassword(id: string, password: string): Promise<boolean> {
    const stored = await this.getStored(id);
    return stored ? verifyPassword(password, stored.passwordHash) : false;
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    const stored = await this.getStored(id);
    if (!stored) throw noSuchUser();
    const losesAdmin = stored.role === 'admin' && (patch.role === 'user' || patch.disabled === true);
    if (losesAdmin) return this.withAdminsLocked(async () => {
      await this.refuseIfLastAdmin(id);
      return this.applyPatch(id, patch);
    });
    return this.applyPatch(id, patch);
  }

  private async applyPatch(id: string, patch: UserPatch): Promise<User> {
    const fields: Partial<Pick<StoredUser, 'passwordHash' | 'role' | 'disabled'>> = {};
    if (patch.password !== undefined) fields.passwordHash = await hashPassword(patch.password);
    if (patch.role !== undefined) fields.role = patch.role;
    if (patch.disabled !== undefined) fields.disabled = patch.disabled ? '1' : '0';
    if (Object.keys(fields).length) {
      await this.records.change(id, fields);
    }
    return (await this.get(id))!;
  }

  /** Removes the account record; the caller removes its sessions and jobs. */
  async remove(id: string): Promise<User> {
    const stored = await this.getStored(id);
    if (!stored) throw noSuchUser();
    if (stored.role === 'admin') return this.withAdminsLocked(() => this.removeStored(id, stored));
    return this.removeStored(id, stored);
  }

  private async removeStored(id: string, stored: StoredUser): Promise<User> {
    if (stored.role === 'admin') await this.refuseIfLastAdmin(id);
    await this.records.remove(stored);
    return this.publicUser(stored);
  }

  /**
   * One admin change at a time across every api process: two admins demoting each other at once
   * must not both pass the last-admin check.
   */
  private async withAdminsLocked<R>(work: () => Promise<R>): Promise<R> {
    const token = randomBytes(8).toString('hex');
    for (let i = 0; !(await this.records.lockAdmins(token)); i++) {
      if (i > 100) throw new ApiError(503, 'busy', 'Accounts are being changed; try again in a moment.');
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      return await work();
    } finally {
      await this.records.unlockAdmins(token);
    }
  }

  private async refuseIfLastAdmin(id: string): Promise<void> {
    const others = (await this.list()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== id);
    if (others.length === 0) {
      throw new ApiError(409, 'last_admin', 'This is the last enabled admin: make another admin first.');
    }
  }

  private findStored(username: string): Promise<StoredUser | null> {
    return this.records.findByName(username);
  }

  private getStored(id: string): Promise<StoredUser | null> {
    return this.records.get(id);
  }

  private publicUser(u: StoredUser): User {
    return { id: u.id, username: u.username, role: u.role, disabled: u.disabled === '1', createdAt: u.createdAt };
  }
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
