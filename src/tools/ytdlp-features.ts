// Pure: what a yt-dlp can do (from its --help) and how old it is (from its version).
import { say } from '../jobs/job-messages';
import type { MessageParams } from '../jobs/job.types';

/** Whether this yt-dlp's `--help` lists `--js-runtimes` (added in 2025.11; older ones exit 2 on it). */
export function ytdlpSupportsJsRuntimes(helpText: string): boolean {
  // An option's own line starts with it; other options' descriptions may mention it mid-line.
  return /^\s+--js-runtimes\s/m.test(helpText);
}

/** The arguments that let this yt-dlp run YouTube's JavaScript with the node running vidpipe. */
export function ytdlpJsRuntimeArgs(helpText: string, nodePath: string): string[] {
  return ytdlpSupportsJsRuntimes(helpText) ? ['--js-runtimes', `node:${nodePath}`] : [];
}

/** At this age a yt-dlp fails on the big sites often enough to say so. */
export const YTDLP_STALE_DAYS = 90;

export interface YtdlpVersionAge {
  version: string | null;
  /** The release date its version names (YYYY-MM-DD), or null for a version that names none. */
  releasedOn: string | null;
  ageDays: number | null;
  stale: boolean;
  /** How to update, when stale; `messageKey` and `messageParams` say it in another language. */
  message?: string;
  messageKey?: string;
  messageParams?: MessageParams;
}

export interface YtdlpAgeContext {
  now: Date;
  /** vidpipe installed it and keeps it current. */
  managed: boolean;
  /** YTDLP_AUTO_UPDATE for a managed one. */
  autoUpdate?: boolean;
}

/** `2023.03.04`, `2025.11.12` or a nightly `2025.11.12.232941` → its release date (UTC midnight). */
export function ytdlpReleaseDate(version: string): Date | null {
  const m = /^(\d{4})\.(\d{1,2})\.(\d{1,2})(?:\.\d+)?$/.exec(version.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2023.02.31 over into March: such a version names no day.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date;
}

export function ytdlpVersionAge(version: string | null, ctx: YtdlpAgeContext): YtdlpVersionAge {
  const released = version ? ytdlpReleaseDate(version) : null;
  if (!version || !released) return { version, releasedOn: null, ageDays: null, stale: false };
  const ageDays = Math.max(0, Math.floor((ctx.now.getTime() - released.getTime()) / 86_400_000));
  const stale = ageDays >= YTDLP_STALE_DAYS;
  const age: YtdlpVersionAge = { version, releasedOn: released.toISOString().slice(0, 10), ageDays, stale };
  if (stale) {
    const key = !ctx.managed ? 'ytdlp.stale.system' : ctx.autoUpdate === false ? 'ytdlp.stale.managed_manual' : 'ytdlp.stale.managed';
    const { message, messageKey, messageParams } = say(key, { version, days: ageDays });
    Object.assign(age, { message, messageKey, messageParams });
  }
  return age;
}
