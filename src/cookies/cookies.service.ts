import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SessionRecords } from '../auth/session-records';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CookieEntry, cookieDomains, cookiesFileText, parseCookiesFile } from './cookies-file';
import { deriveCookiesKey, openCookies, sealCookies } from './cookies-crypto';
import { CookieRecords } from './cookie-records';

export interface CookiesStatus {
  present: boolean;
  /** Sorted, once each, without a leading dot: never a name or a value. */
  domains: string[];
  updatedAt: string | null;
}

const NONE: CookiesStatus = { present: false, domains: [], updatedAt: null };

/**
 * A user's own cookies.txt, encrypted in Redis (api and worker processes alike can open it) and
 * written to a job's work folder only for the tool's run. Nothing here logs a cookie's value.
 */
@Injectable()
export class CookiesService implements OnModuleInit {
  private readonly logger = new Logger('Cookies');
  private key: Promise<Buffer> | null = null;

  constructor(
    private readonly records: CookieRecords,
    private readonly sessions: SessionRecords,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Derives the key (scrypt, ~0.3 s here) in the background, so the first upload or job does not wait. */
  onModuleInit(): void {
    void this.cookiesKey().catch(() => undefined);
  }

  /** Stores cookies that parseCookiesFile accepted, replacing any earlier ones. */
  async save(userId: string, cookies: readonly CookieEntry[]): Promise<CookiesStatus> {
    const updatedAt = new Date().toISOString();
    const sealed = sealCookies(await this.cookiesKey(), userId, cookiesFileText(cookies));
    await this.records.save(userId, { sealed, updatedAt });
    this.logger.log(`User ${userId} stored cookies for ${cookieDomains(cookies).length} site(s)`);
    return { present: true, domains: cookieDomains(cookies), updatedAt };
  }

  async status(userId: string): Promise<CookiesStatus> {
    const stored = await this.read(userId);
    if (!stored) return NONE;
    const parsed = parseCookiesFile(stored.text);
    return parsed.ok ? { present: true, domains: cookieDomains(parsed.cookies), updatedAt: stored.updatedAt } : NONE;
  }

  /** The user's cookies are gone (deleted by the user, or the account is being removed). */
  async removeAllOf(userId: string): Promise<void> {
    await this.records.removeAllOf(userId);
  }

  /**
   * Writes the user's cookies to `<dir>/cookies.txt`, created 0600 (never readable by others,
   * not even for a moment), and returns its path; null when the user has none. The caller
   * removes the file after the tool's run.
   */
  async writeJobCookiesFile(userId: string, dir: string): Promise<string | null> {
    const stored = await this.read(userId);
    if (!stored) return null;
    const file = path.join(dir, 'cookies.txt');
    // A file left by a crashed run of the same attempt is replaced, never reused.
    await fsp.rm(file, { force: true });
    const handle = await fsp.open(file, 'wx', 0o600);
    try {
      await handle.writeFile(stored.text, 'utf8');
    } finally {
      await handle.close();
    }
    return file;
  }

  private async read(userId: string): Promise<{ text: string; updatedAt: string } | null> {
    const stored = await this.records.get(userId);
    if (!stored) return null;
    const text = openCookies(await this.cookiesKey(), userId, stored.sealed);
    if (text === null) {
      // The key changed (SESSION_SECRET or COOKIES_KEY) or the record was tampered with.
      this.logger.warn(`User ${userId} has stored cookies that do not decrypt with the current key; they are ignored until uploaded again`);
      return null;
    }
    return { text, updatedAt: stored.updatedAt };
  }

  private cookiesKey(): Promise<Buffer> {
    if (!this.key) {
      const key = (async () =>
        deriveCookiesKey(this.config.cookiesKey ?? (await this.sessions.secret(this.config.sessionSecret))))();
      // A failure (Redis down) is not remembered: the next call tries again.
      key.catch(() => {
        if (this.key === key) this.key = null;
      });
      this.key = key;
    }
    return this.key;
  }
}
