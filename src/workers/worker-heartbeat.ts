import os from 'node:os';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PIPELINE, QUEUE_NAMES } from '../pipeline/pipeline';
import { runTool } from '../process/run-tool';
import { RedisService } from '../redis/redis.module';
import { RunningStages } from '../pipeline/running-stages';
import { countTools, readProcRows } from './running-tools';
import { WORKER_HEARTBEAT_TTL_SECONDS, workerKeys, WorkerHeartbeat as Heartbeat } from './worker-keys';

const IDLE_BEAT_MS = 10_000;
/** While a job runs, its tools and stage change by the second: the admin page shows them fresh. */
const BUSY_BEAT_MS = 2_000;
/** How often the worker looks whether what it reports changed (cheap: no Redis unless it did). */
const LOOK_MS = 1_000;

/**
 * The worker's one heartbeat in Redis (`vp:workers:<host>:<pid>`, TTL 30 s): who it is, its slots,
 * running jobs and tools, and the yt-dlp and ffmpeg it uses. It beats on a timer and at once when a
 * job starts or ends or its yt-dlp changes; a worker that dies drops out when the key expires.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  readonly id = `${os.hostname()}:${process.pid}`;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | null = null;
  private ffmpegVersion: string | null = null;
  private lastBeatAt = 0;
  private lastYtdlp = '';
  private dirty = true;
  /** What yt-dlp this worker runs: told by YtdlpManager at start (src/tools stays above this folder). */
  private ytdlpInUse: () => Promise<Heartbeat['ytdlp']> = async () => ({ version: null, managed: false, manageable: false });
  private beating: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly redis: RedisService,
    private readonly stages: RunningStages,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.ffmpegVersion = await ffmpegVersion(this.config.ffmpegPath);
    this.stages.onChange(() => {
      this.dirty = true;
      void this.look();
    });
    this.timer = setInterval(() => void this.look(), LOOK_MS).unref();
    await this.look();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** After the stages handed their jobs back: the worker is gone from the list at once. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.beating;
    await this.redis.client.del(workerKeys.heartbeat(this.id)).catch(() => undefined);
  }

  /** How to read the yt-dlp in use, for every beat. */
  reportYtdlp(inUse: () => Promise<Heartbeat['ytdlp']>): void {
    this.ytdlpInUse = inUse;
  }

  /** Beat now (e.g. right after the yt-dlp in use changed). */
  beatNow(): Promise<void> {
    this.dirty = true;
    return this.look();
  }

  private async look(): Promise<void> {
    if (this.stopped) return;
    if (this.beating) return this.beating;
    this.beating = this.lookOnce().finally(() => (this.beating = null));
    return this.beating;
  }

  private async lookOnce(): Promise<void> {
    const ytdlp = await this.ytdlpInUse();
    const every = this.stages.list().length ? BUSY_BEAT_MS : IDLE_BEAT_MS;
    const changed = this.dirty || JSON.stringify(ytdlp) !== this.lastYtdlp;
    if (!changed && Date.now() - this.lastBeatAt < every) return;
    this.dirty = false;
    this.lastYtdlp = JSON.stringify(ytdlp);
    const heartbeat: Heartbeat = {
      id: this.id,
      host: os.hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastHeartbeatAt: new Date().toISOString(),
      concurrency: Object.fromEntries(QUEUE_NAMES.map((q) => [q, PIPELINE[q].concurrency(this.config)])),
      runningJobs: this.stages.list(),
      runningTools: countTools(readProcRows(), process.pid),
      ytdlp,
      ffmpeg: { version: this.ffmpegVersion },
      node: process.version,
    };
    if (this.stopped) return;
    await this.redis.client
      .set(workerKeys.heartbeat(this.id), JSON.stringify(heartbeat), 'EX', WORKER_HEARTBEAT_TTL_SECONDS)
      .then(() => (this.lastBeatAt = Date.now()))
      .catch(() => (this.dirty = true)); // Redis away: try again on the next look
  }
}

/** "ffmpeg version 5.1.6-0+deb12u1 Copyright …" → "5.1.6-0+deb12u1"; null when it does not run. */
async function ffmpegVersion(command: string): Promise<string | null> {
  const run = await runTool(command, ['-hide_banner', '-version'], { collectStdout: true, signal: AbortSignal.timeout(10_000) }).catch(() => null);
  if (!run || run.exitCode !== 0) return null;
  return /^ffmpeg version (\S+)/.exec(run.stdout)?.[1] ?? null;
}
