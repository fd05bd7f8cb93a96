import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { RedisService } from '../redis/redis.module';
import { YtdlpBinary } from './ytdlp-binary';
import { installYtdlp, packageIndexReachable, packageIndexUrl, removeUnusedVersions, ToolInstallError } from './ytdlp-installer';
import { readInstallState, takeInstallLock, writeInstallState } from './ytdlp-layout';
import { WorkerHeartbeat } from '../workers/worker-heartbeat';
import { toolsChannels } from './tools-keys';

const DAY_MS = 24 * 3600_000;
/** A start within this long of a failed install does not try again (the daily timer and admins still do). */
const REMEMBER_FAILURE_MS = 3600_000;

type Reason = 'start' | 'daily' | 'admin';

/**
 * The worker's side of a managed yt-dlp: installs or updates it in the background (never delaying
 * the start), once a day and when an admin asks, and announces in Redis whether it manages one.
 * A per-process timer, not a BullMQ scheduler: every worker keeps its OWN copy current, and a
 * scheduled BullMQ job would reach only one of them.
 */
@Injectable()
export class YtdlpManager implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('vidpipe');
  private readonly timers: NodeJS.Timeout[] = [];
  private subscriber: Redis | null = null;
  private running: Promise<void> | null = null;
  /** Stops a venv or pip step under way when the worker stops (its lock is released on the way out). */
  private readonly stopping = new AbortController();

  constructor(
    private readonly binary: YtdlpBinary,
    private readonly redis: RedisService,
    private readonly heartbeat: WorkerHeartbeat,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    heartbeat.reportYtdlp(async () => {
      const info = await binary.current().catch(() => null);
      return { version: info?.version ?? null, managed: info?.managed ?? false, manageable: binary.manageable };
    });
  }

  onApplicationBootstrap(): void {
    if (!this.binary.manageable) {
      void this.binary.current().then((b) => this.logger.log(`yt-dlp: using YTDLP_PATH ${b.path} (${b.version ?? 'it does not run'}); vidpipe does not manage it`));
      return;
    }
    this.subscriber = this.redis.connect('ytdlp-updates');
    this.subscriber.on('message', () => void this.refresh('admin'));
    void this.subscriber.subscribe(toolsChannels.ytdlpUpdate).catch(() => undefined);
    this.timers.push(setInterval(() => void this.refresh('daily'), DAY_MS).unref());
    void this.refresh('start');
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.stopping.abort();
    await this.running;
  }

  /** Installs or updates unless one is already under way (then that one answers). */
  refresh(reason: Reason): Promise<void> {
    this.running ??= this.installOrUpdate(reason)
      .catch((err: Error) => this.logger.error(`yt-dlp: ${err.message}`))
      .finally(() => {
        this.running = null;
        void this.heartbeat.beatNow(); // the api learns at once which yt-dlp this worker now runs
      });
    return this.running;
  }

  private async installOrUpdate(reason: Reason): Promise<void> {
    const before = await this.binary.current();
    if (before.managed && reason !== 'admin' && !this.config.ytdlpAutoUpdate) {
      if (reason === 'start') this.logger.log(`yt-dlp: using the managed ${before.version} (automatic updates are off: YTDLP_AUTO_UPDATE=false)`);
      return;
    }
    const layout = this.binary.layout;
    const state = await readInstallState(layout);
    const failedAt = state.lastFailureAt ? Date.parse(state.lastFailureAt) : 0;
    if (reason === 'start' && !before.managed && Date.now() - failedAt < REMEMBER_FAILURE_MS) {
      return this.fellBack(before.version, `${state.lastFailure ?? 'the last install failed'}, ${minutesAgo(failedAt)}`);
    }
    // A restart does not rebuild a venv that was made or checked within the day: the timer will.
    const checkedAt = state.lastSuccessAt ? Date.parse(state.lastSuccessAt) : 0;
    if (reason === 'start' && before.managed && Date.now() - checkedAt < DAY_MS) {
      return void this.logger.log(`yt-dlp: using the managed ${before.version} (checked for updates ${minutesAgo(checkedAt)})`);
    }
    const indexUrl = packageIndexUrl();
    // pip gets an index only when the operator named one: otherwise its own settings (pip.conf) apply.
    const pipIndexUrl = process.env.PIP_INDEX_URL ? indexUrl : undefined;
    let failure: string | null = null;
    let detail = '';
    let done = '';
    if (!(await packageIndexReachable(indexUrl))) failure = 'the Python package index is not reachable';
    else {
      const unlock = await takeInstallLock(layout);
      if (!unlock) return void this.logger.log('yt-dlp: another process sharing TOOLS_DIR is installing it; using what is there');
      try {
        const result = await installYtdlp(layout, { indexUrl: pipIndexUrl, signal: this.stopping.signal });
        await writeInstallState(layout, { ...state, lastAttemptAt: new Date().toISOString(), lastSuccessAt: new Date().toISOString() });
        if (!before.managed) done = `yt-dlp: installed ${result.version} into ${result.folder} (managed; it updates ${this.config.ytdlpAutoUpdate ? 'once a day' : 'when an admin asks'})`;
        else if (result.switched) done = `yt-dlp: updated ${before.version} → ${result.version}; running jobs finish with the one they started with`;
        else if (reason !== 'daily') done = `yt-dlp: the managed ${result.version} is the newest`;
      } catch (err) {
        failure = err instanceof ToolInstallError ? err.message : `the install failed: ${(err as Error).message}`;
        detail = err instanceof ToolInstallError ? lastLine(err.detail) : '';
      } finally {
        await removeUnusedVersions(layout, this.binary.foldersInUse()).catch(() => undefined);
        await unlock();
      }
    }
    if (done) this.logger.log(done); // after the clean-up, so the line means the switch is complete
    // Stopped mid-install: not a failure to remember, the next start simply tries again.
    if (failure === null || this.stopping.signal.aborted) return;
    const now = new Date().toISOString();
    await writeInstallState(layout, { ...state, lastAttemptAt: now, lastFailureAt: now, lastFailure: failure }).catch(() => undefined);
    const why = detail ? `${failure}: ${detail}` : failure;
    if (before.managed) this.logger.warn(`yt-dlp: keeping the managed ${before.version} (the update failed: ${why})`);
    else this.fellBack(before.version, why);
  }

  /** The one line a person reads when vidpipe could not manage its own yt-dlp. */
  private fellBack(version: string | null, why: string): void {
    const what = version ? `the system's ${version}` : `"${this.config.ytdlpPath}" from PATH, which does not run`;
    this.logger.log(`yt-dlp: using ${what} (${why}; vidpipe installs a current one by itself once pip can reach it, or set YTDLP_PATH)`);
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function minutesAgo(at: number): string {
  const minutes = Math.max(1, Math.round((Date.now() - at) / 60_000));
  return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
}
