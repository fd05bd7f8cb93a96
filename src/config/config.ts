import path from 'node:path';
import { z } from 'zod';

// Environment is validated once at start; a bad value stops the process naming the variable.
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int('must be a whole number').positive('must be above 0');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/|^\//, 'must be a redis:// or rediss:// URL (or a unix socket path)')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  MEDIA_DIR: z.string().min(1).optional(),
  ROLE: z.enum(['all', 'api', 'worker'], { message: 'must be all, api or worker' }).default('all'),
  DOWNLOAD_CONCURRENCY: positiveInt.default(2),
  TRANSCODE_CONCURRENCY: positiveInt.default(1),
  // Unset: vidpipe manages its own yt-dlp where Python can reach the package index, else `yt-dlp` on PATH.
  YTDLP_PATH: z.string().min(1).optional(),
  TOOLS_DIR: z.string().min(1).optional(),
  YTDLP_AUTO_UPDATE: bool.default(true),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  ADMIN_USERNAME: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores')
    .default('admin'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  SESSION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  COOKIES_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_TTL_HOURS: positiveInt.default(24 * 14),
  ALLOW_PRIVATE_URLS: bool.default(false),
  ALLOWED_PRIVATE_ADDRESSES: z
    .string()
    .regex(/^[0-9a-fA-F.:]+(\s*,\s*[0-9a-fA-F.:]+)*$/, 'must be a comma-separated list of IP addresses')
    .optional(),
  MAX_DOWNLOAD_BYTES: positiveInt.optional(),
  HLS_SEGMENT_SECONDS: positiveInt.max(60).default(4),
  PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).max(10000).default(250),
  // yt-dlp's --sub-langs: `all`, `en,zh.*`, `all,-live_chat`; `none` keeps no subtitles.
  SUBTITLE_LANGS: z.string().max(200).regex(/^[^\s,]+(,[^\s,]+)*$/, 'must be all, none or a comma-separated list of languages').default('all'),
  // First retry of a failed webhook delivery after this long, then 2×, 4×, 8× (5 tries in all).
  WEBHOOK_RETRY_BASE_MS: positiveInt.max(3_600_000).default(10_000),
  MAX_DURATION_SECONDS: positiveInt.optional(),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d+|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*)$/,
      'must be false, a hop count, or addresses, subnets and loopback/linklocal/uniquelocal',
    )
    .default('false'),
  CORS_ORIGIN: z
    .string()
    .regex(/^https?:\/\/[^\s,]+(,\s*https?:\/\/[^\s,]+)*$/, 'must be a comma-separated list of http(s) origins')
    .optional(),
  LOGIN_MAX_FAILURES: positiveInt.default(10),
  LOGIN_LOCKOUT_MINUTES: positiveInt.default(15),
  USER_MAX_ACTIVE_JOBS: positiveInt.default(10),
  USER_MAX_JOBS_PER_MINUTE: positiveInt.default(30),
  USER_MAX_MEDIA_BYTES: positiveInt.optional(),
  // Caps per user (admins too: they guard the workers, not a quota).
  USER_MAX_SUBSCRIPTIONS: positiveInt.default(50),
  USER_MAX_WEBHOOKS: positiveInt.default(10),
  // The reconciler (src/reconcile): how often one process looks for work a dead process left undone.
  RECONCILE_SECONDS: positiveInt.max(86_400).default(60),
  // Collections and subscriptions (src/subscriptions): entries taken per playlist or check; the shortest interval.
  MAX_PLAYLIST_ITEMS: positiveInt.max(5000).default(200),
  SUBSCRIPTION_MIN_INTERVAL_MINUTES: positiveInt.default(15),
  // Operations (src/metrics, src/ops): `json` writes one JSON object per line (the Docker image's default).
  LOG_FORMAT: z.enum(['text', 'json'], { message: 'must be text or json' }).default('text'),
  // Unset: GET /metrics answers anyone who reaches the api's address.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Faults (src/process, src/disk): a silent tool is killed; a nearly full disk refuses work.
  STALL_TIMEOUT_SECONDS: positiveInt.default(120),
  MIN_FREE_DISK_BYTES: z.coerce.number().int('must be a whole number').min(0, 'must be 0 or more').default(1024 ** 3),
  // Unset: keep forever. Days may be fractional (0.5 = 12 hours).
  RETENTION_DAYS: z.coerce.number().positive('must be above 0').optional(),
});

/** Every environment variable the app reads (tests clear them so a developer's shell cannot leak in). */
export const CONFIG_KEYS: readonly string[] = Object.keys(envSchema.shape);

export type Role = 'all' | 'api' | 'worker';

export interface AppConfig {
  port: number;
  host: string;
  /** Unset: a private redis-server is started under dataDir/redis. */
  redisUrl: string | undefined;
  dataDir: string;
  mediaDir: string;
  workDir: string;
  role: Role;
  runsApi: boolean;
  runsWorker: boolean;
  downloadConcurrency: number;
  transcodeConcurrency: number;
  /** YTDLP_PATH, or `yt-dlp` on PATH when unset (the fallback when no managed one is usable). */
  ytdlpPath: string;
  /** YTDLP_PATH was set: that binary always, never a managed one. */
  ytdlpPathExplicit: boolean;
  /** Where a managed yt-dlp lives (TOOLS_DIR, default DATA_DIR/tools). */
  toolsDir: string;
  /** A managed yt-dlp updates at start and once a day. */
  ytdlpAutoUpdate: boolean;
  ffmpegPath: string;
  ffprobePath: string;
  adminUsername: string;
  adminPassword: string | undefined;
  sessionSecret: string | undefined;
  /** Encrypts users' cookies; unset: the session secret does. */
  cookiesKey: string | undefined;
  sessionTtlSeconds: number;
  allowPrivateUrls: boolean;
  /** Exact private addresses allowed anyway (a NAS on the LAN), for the URL check and downloads. */
  allowedPrivateAddresses: string[];
  maxDownloadBytes: number | null;
  hlsSegmentSeconds: number;
  /** Least time between two progress events of one job (state changes are never held back). */
  progressIntervalMs: number;
  /** yt-dlp's `--sub-langs` for every download; null (SUBTITLE_LANGS=none): no subtitles. */
  subtitleLangs: string | null;
  /** Delay before the first retry of a webhook delivery; each next one doubles. */
  webhookRetryBaseMs: number;
  maxDurationSeconds: number | null;
  /** Express's `trust proxy` setting: whom to believe for the client address and https. */
  trustProxy: boolean | number | string;
  /** Origins allowed to call the API from a browser (CORS and cookie requests); empty: same origin only. */
  corsOrigins: string[];
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  /** Per-user limits; admins are exempt. */
  userMaxActiveJobs: number;
  userMaxJobsPerMinute: number;
  userMaxMediaBytes: number | null;
  /** Subscriptions and webhooks one user may have. */
  userMaxSubscriptions: number;
  userMaxWebhooks: number;
  /** How often the reconciler runs (one run at a time across every process). */
  reconcileMs: number;
  /** A collection takes at most this many entries of a playlist (a subscription check as many new ones). */
  maxPlaylistItems: number;
  /** The shortest interval a subscription may be checked at. */
  subscriptionMinIntervalMinutes: number;
  /** `text`: readable lines (Nest's format); `json`: one pino JSON object per line. */
  logFormat: 'text' | 'json';
  /** Bearer token GET /metrics requires; null: open to whoever reaches the api. */
  metricsToken: string | null;
  /** A tool of a job that prints nothing this long is killed and the job fails `stalled`. */
  stallTimeoutMs: number;
  /** Below this much free space no job is accepted and running ones fail `disk_full`; 0: no floor. */
  minFreeDiskBytes: number;
  /** Finished jobs older than this are removed with their media; null: kept forever. */
  retentionMs: number | null;
}

export class ConfigError extends Error {}

/** Pure: env in, config out, or a ConfigError listing every bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): AppConfig {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(blanksRemoved);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const mediaDir = path.resolve(e.MEDIA_DIR ?? path.join(dataDir, 'media'));
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    dataDir,
    mediaDir,
    // Partial downloads sit beside the media so a rename into place never crosses filesystems.
    workDir: path.join(path.dirname(mediaDir), path.basename(mediaDir) + '.work'),
    role: e.ROLE,
    runsApi: e.ROLE !== 'worker',
    runsWorker: e.ROLE !== 'api',
    downloadConcurrency: e.DOWNLOAD_CONCURRENCY,
    transcodeConcurrency: e.TRANSCODE_CONCURRENCY,
    ytdlpPath: e.YTDLP_PATH ?? 'yt-dlp',
    ytdlpPathExplicit: e.YTDLP_PATH !== undefined,
    toolsDir: path.resolve(e.TOOLS_DIR ?? path.join(dataDir, 'tools')),
    ytdlpAutoUpdate: e.YTDLP_AUTO_UPDATE,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    adminUsername: e.ADMIN_USERNAME,
    adminPassword: e.ADMIN_PASSWORD,
    sessionSecret: e.SESSION_SECRET,
    cookiesKey: e.COOKIES_KEY,
    sessionTtlSeconds: e.SESSION_TTL_HOURS * 3600,
    allowPrivateUrls: e.ALLOW_PRIVATE_URLS,
    allowedPrivateAddresses: e.ALLOWED_PRIVATE_ADDRESSES ? e.ALLOWED_PRIVATE_ADDRESSES.split(',').map((a) => a.trim()) : [],
    maxDownloadBytes: e.MAX_DOWNLOAD_BYTES ?? null,
    hlsSegmentSeconds: e.HLS_SEGMENT_SECONDS,
    progressIntervalMs: e.PROGRESS_INTERVAL_MS,
    subtitleLangs: e.SUBTITLE_LANGS === 'none' ? null : e.SUBTITLE_LANGS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    maxDurationSeconds: e.MAX_DURATION_SECONDS ?? null,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    corsOrigins: e.CORS_ORIGIN ? e.CORS_ORIGIN.split(',').map((o) => new URL(o.trim()).origin) : [],
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockoutSeconds: e.LOGIN_LOCKOUT_MINUTES * 60,
    userMaxActiveJobs: e.USER_MAX_ACTIVE_JOBS,
    userMaxJobsPerMinute: e.USER_MAX_JOBS_PER_MINUTE,
    userMaxMediaBytes: e.USER_MAX_MEDIA_BYTES ?? null,
    userMaxSubscriptions: e.USER_MAX_SUBSCRIPTIONS,
    userMaxWebhooks: e.USER_MAX_WEBHOOKS,
    reconcileMs: e.RECONCILE_SECONDS * 1000,
    maxPlaylistItems: e.MAX_PLAYLIST_ITEMS,
    subscriptionMinIntervalMinutes: e.SUBSCRIPTION_MIN_INTERVAL_MINUTES,
    logFormat: e.LOG_FORMAT,
    metricsToken: e.METRICS_TOKEN ?? null,
    stallTimeoutMs: e.STALL_TIMEOUT_SECONDS * 1000,
    minFreeDiskBytes: e.MIN_FREE_DISK_BYTES,
    retentionMs: e.RETENTION_DAYS === undefined ? null : Math.round(e.RETENTION_DAYS * 86_400_000),
  };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
