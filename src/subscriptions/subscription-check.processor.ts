import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { formatBytes } from '../common/format';
import { ENGLISH, say, type SentenceKey } from '../jobs/job-messages';
import { jobPaths } from '../jobs/job-paths';
import type { JobLimits } from '../jobs/job-records';
import { JobRecords } from '../jobs/job-records';
import { limitsOf } from '../jobs/jobs.service';
import { checkUrl } from '../jobs/url-policy';
import { crashPoint } from '../ops/crash-point';
import { PipelineError } from '../pipeline/pipeline-error';
import { WaitingJobs } from '../pipeline/waiting-jobs';
import { YtdlpClient } from '../pipeline/ytdlp/ytdlp.client';
import type { PlaylistEntry } from '../pipeline/ytdlp/ytdlp-playlist';
import { UserRecords } from '../users/user-records';
import { CheckError, StoredSubscription, SubscriptionRecords } from './subscription-records';
import { subscriptionKeys } from './subscription-keys';
import { SubscriptionCheck, SUBSCRIPTIONS_QUEUE } from './subscription.types';

/** A said sentence as a check's error. */
const keyed = (m: ReturnType<typeof say>): CheckError => ({ message: m.message, key: m.messageKey, params: m.messageParams });

const isSentenceKey = (key: string): key is SentenceKey => Object.prototype.hasOwnProperty.call(ENGLISH, key);

/**
 * A listing's failure: its own key and values when it has them, else its code's sentence (the web
 * falls back to the English when that sentence needs values it does not have).
 */
function pipelineCheckError(err: PipelineError): CheckError {
  const key = err.key ?? (isSentenceKey(`error.${err.code}`) ? (`error.${err.code}` as SentenceKey) : null);
  return { message: err.message, key, params: key ? (err.params ?? {}) : null };
}

/** The key and values of a refused URL (its English sentence is the verdict's own). */
function urlError(code: 'invalid_url' | 'private_address', url: string): { key: SentenceKey; params?: { host: string } } {
  if (code === 'invalid_url') return { key: 'error.invalid_url' };
  let host = url;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // the sentence keeps the whole link
  }
  return { key: 'error.private_address', params: { host } };
}

/** A listing that hangs must not hold the subscriptions queue for ever. */
const CHECK_TIMEOUT_MS = 5 * 60_000;

/**
 * One check of a subscription: the URL judged again, the source listed flat through the same
 * yt-dlp client as jobs (proxy, cookies, binary), and a job for each entry never seen before —
 * waiting for its owner's places like a collection's children.
 */
@Processor(SUBSCRIPTIONS_QUEUE)
export class SubscriptionCheckProcessor extends WorkerHost {
  private readonly logger = new Logger('Subscriptions');
  constructor(
    private readonly records: SubscriptionRecords,
    private readonly users: UserRecords,
    private readonly store: JobRecords,
    private readonly waiting: WaitingJobs,
    private readonly ytdlp: YtdlpClient,
    @InjectQueue(SUBSCRIPTIONS_QUEUE) private readonly checks: Queue<SubscriptionCheck>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<SubscriptionCheck>): Promise<void> {
    const sub = await this.records.get(job.data.subscriptionId);
    const owner = sub ? await this.users.get(sub.ownerId) : null;
    // Deleted, or its account was: the scheduler goes too.
    if (!sub || !owner) {
      if (sub) await this.records.remove(sub);
      await this.checks.removeJobScheduler(job.data.subscriptionId);
      return;
    }
    // A disabled account's subscriptions wait: nothing is fetched for it until an admin enables it.
    if (owner.disabled === '1') {
      await this.records.checked(sub.id, keyed(say('subscription.account_disabled')));
      return;
    }
    // The owner's limits as they are now (a quota set, or a role changed, since subscribing).
    const limits: JobLimits = limitsOf(owner, this.config);
    // Over the byte quota nothing it found could be downloaded: no listing, no jobs.
    const full = await this.overQuota(sub.ownerId, limits);
    if (full) {
      await this.records.checked(sub.id, full);
      return;
    }
    let lastError: CheckError | null = null;
    try {
      const made = await this.check(sub, limits);
      if (made > 0) this.logger.log(`Subscription ${sub.id}: ${made} new video(s)`);
    } catch (err) {
      lastError = err instanceof PipelineError ? pipelineCheckError(err) : keyed(say('subscription.check_failed', { reason: (err as Error).message }));
    }
    await this.records.checked(sub.id, lastError);
  }

  /** The sentence for an owner whose finished media already fill their quota; null otherwise. */
  private async overQuota(ownerId: string, limits: JobLimits): Promise<CheckError | null> {
    if (limits.maxMediaBytes === 0) return null;
    const used = await this.store.mediaBytesOf(ownerId);
    if (used < limits.maxMediaBytes) return null;
    return keyed(say('subscription.over_quota', { used: formatBytes(used), max: formatBytes(limits.maxMediaBytes) }));
  }

  /** The number of jobs made. */
  private async check(sub: StoredSubscription, limits: JobLimits): Promise<number> {
    const verdict = await checkUrl(sub.url, { allowPrivate: this.config.allowPrivateUrls, allowAddresses: this.config.allowedPrivateAddresses });
    if (!verdict.ok) throw new PipelineError({ ...urlError(verdict.code, sub.url), code: verdict.code, message: verdict.message });
    const entries = await this.list(sub);
    let made = 0;
    for (const entry of entries) {
      if (!(await this.records.get(sub.id))) break; // deleted while it was being checked
      // Seen exactly when its job exists: one step makes both.
      const find = await this.store.createFind({ ownerId: sub.ownerId, url: entry.url, format: sub.format, title: entry.title }, { subscriptionId: sub.id, seenKey: subscriptionKeys.seen(sub.id) }, limits);
      if (!find) continue;
      made++;
      crashPoint('subscription.find-made');
    }
    if (made > 0) await this.waiting.startReleased(sub.ownerId);
    return made;
  }

  private async list(sub: StoredSubscription): Promise<PlaylistEntry[]> {
    // A folder of this run's own for the owner's cookies file: a scheduled check and a "check now"
    // of the same subscription may run at once.
    const paths = jobPaths(this.config);
    const runDir = paths.subscriptionRun(sub.id, randomUUID());
    await fs.mkdir(runDir, { recursive: true });
    const ytdlp = await this.ytdlp.open({ ownerId: sub.ownerId, runDir });
    try {
      const listing = await ytdlp.session.list(sub.url, this.config.maxPlaylistItems, AbortSignal.timeout(CHECK_TIMEOUT_MS));
      if (listing.kind === 'playlist') return listing.playlist.entries;
      return [{ url: listing.info.webpageUrl ?? sub.url, title: listing.info.title }];
    } finally {
      await ytdlp.close();
      await fs.rm(runDir, { recursive: true, force: true });
      await fs.rmdir(paths.subscription(sub.id)).catch(() => undefined); // only when no other run is under way
    }
  }
}
