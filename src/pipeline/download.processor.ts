import fs from 'node:fs/promises';
import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobRecords } from '../jobs/job-records';
import type { JobSnapshot } from '../jobs/job.types';
import { failure, say } from '../jobs/job-messages';
import { crashPoint } from '../ops/crash-point';
import { CancelRegistry } from './cancel-registry';
import { PipelineError } from './pipeline-error';
import { DownloadPayload, QueueName } from './pipeline';
import { PipelineQueues } from './pipeline-queues';
import { assertDurationAllowed, StageProcessor } from './stage-processor';
import { JobReporter } from './job-reporter';
import { WaitingJobs } from './waiting-jobs';
import { YtdlpClient } from './ytdlp/ytdlp.client';
import type { DownloadResult, Listing, YtdlpSession } from './ytdlp/ytdlp-session';
import type { FlatPlaylist } from './ytdlp/ytdlp-playlist';
import { looksLikeDirectMedia } from './ytdlp/ytdlp-args';
import type { ProbeInfo } from './ytdlp/ytdlp-probe';

/** Children made per write while a playlist is listed: a death costs at most one batch, which the re-run redoes. */
const LISTING_BATCH = 25;

/**
 * probe and download in one yt-dlp run (a page that may be a playlist is listed first), then hand
 * over to transcode; or, when the listing finds a playlist, turn the job into a collection of child
 * jobs. Queue plumbing only.
 */
@Processor(QueueName.Download)
export class DownloadProcessor extends StageProcessor<DownloadPayload> {
  constructor(
    store: JobRecords,
    cancels: CancelRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly pipeline: PipelineQueues,
    private readonly ytdlp: YtdlpClient,
    private readonly waiting: WaitingJobs,
  ) {
    super(store, cancels, config, QueueName.Download);
  }

  protected async runStage(job: Job<DownloadPayload>, reporter: JobReporter, signal: AbortSignal): Promise<void> {
    const { jobId, attempt } = job.data;
    const { kind, state, ownerId } = reporter.snapshot;
    // BullMQ runs the stage again after its worker died: a listing left unfinished carries on.
    if (kind === 'collection' && state === 'probing') return this.resumeListing(reporter.snapshot, signal);
    // A listed collection's children carry on by themselves (started here should the worker have died before it could).
    if (kind === 'collection') return this.waiting.startReleased(ownerId);
    // Handed over already (this run is BullMQ retrying a download whose worker died after the
    // hand-over): going again would delete the source under the transcode.
    if (await this.pipeline.handedOff(QueueName.Download, jobId, attempt)) return;
    const attemptDir = this.paths.attempt(jobId, attempt);
    await fs.rm(attemptDir, { recursive: true, force: true });
    await fs.mkdir(attemptDir, { recursive: true });
    const ytdlp = await this.ytdlp.open({ ownerId: reporter.snapshot.ownerId, runDir: attemptDir });
    let outcome: DownloadResult | FlatPlaylist;
    try {
      outcome = await this.probeAndDownload(ytdlp.session, reporter, signal, attemptDir);
    } finally {
      await ytdlp.close();
    }
    if ('entries' in outcome) {
      await this.removeWorkDir(jobId, attempt);
      return this.becomeCollection(reporter, outcome);
    }
    await reporter.update(say('job.downloaded'));
    await this.pipeline.handOff(QueueName.Download, { jobId, attempt, sourcePath: outcome.sourcePath, subtitles: outcome.subtitles });
  }

  private async probeAndDownload(ytdlp: YtdlpSession, reporter: JobReporter, signal: AbortSignal, attemptDir: string): Promise<DownloadResult | FlatPlaylist> {
    await reporter.enter('probing', say('job.probing'));
    const { id, url, format, parentId } = reporter.snapshot;
    // A child is one entry already; `playlist: false` asks for the first entry only.
    const single = parentId !== null || !(await this.store.optionsOf(id)).playlist;
    // Only a page may be a playlist: it is listed first (flat). Anything else is one yt-dlp run.
    let listed: ProbeInfo | null = null;
    if (!single && !looksLikeDirectMedia(url)) {
      const listing = await ytdlp.list(url, this.config.maxPlaylistItems, signal);
      if (listing.kind === 'playlist') return listing.playlist;
      listed = listing.info;
      await this.enterDownloading(reporter, listed);
    }
    let entered: Promise<void> | null = null;
    const result = await ytdlp.download({
      url,
      format,
      outputDir: attemptDir,
      maxBytes: this.config.maxDownloadBytes,
      signal,
      subtitleLangs: this.config.subtitleLangs,
      // The same run's facts, before its bytes: refused here exactly as a separate probe would.
      onInfo: (info) => {
        if (listed || entered) return;
        entered = this.enterDownloading(reporter, info);
        entered.catch(() => undefined); // awaited below; a superseded write must not go unhandled meanwhile
      },
      onProgress: (view, message) =>
        reporter.progress(
          view.fraction * 100,
          { downloadedBytes: view.downloadedBytes, totalBytes: view.totalBytes, speedBps: view.speedBps, etaSeconds: view.etaSeconds },
          message,
        ),
    });
    await entered;
    return result;
  }

  /** Throws (synchronously) for a live stream or a known length over the limit; else enters `downloading`. */
  private enterDownloading(reporter: JobReporter, info: ProbeInfo): Promise<void> {
    if (info.isLive) throw new PipelineError(failure('unsupported_url', 'error.unsupported_url.live'));
    assertDurationAllowed(info.durationSec, this.config.maxDurationSeconds);
    return reporter.enter('downloading', say('job.download_starting'), {
      title: reporter.snapshot.title ?? info.title, // a child keeps the title its playlist gave it
      durationSec: info.durationSec,
      thumbnailUrl: info.thumbnailUrl,
    });
  }

  /**
   * The job is a playlist: it becomes a collection (giving back its place among the owner's active
   * jobs), and each entry a child job on the owner's waiting list, started as places free up.
   */
  private async becomeCollection(reporter: JobReporter, playlist: FlatPlaylist): Promise<void> {
    if (playlist.entries.length === 0) {
      throw new PipelineError(failure('unsupported_url', 'error.unsupported_url.empty_playlist'));
    }
    await this.listChildren(reporter.snapshot, playlist);
  }

  /** The same listing again (one yt-dlp run), making the children a dead worker did not get to. */
  private async resumeListing(collection: JobSnapshot, signal: AbortSignal): Promise<void> {
    const { id, url, attempt, ownerId } = collection;
    const attemptDir = this.paths.attempt(id, attempt);
    await fs.rm(attemptDir, { recursive: true, force: true }); // a dead run's private folder would stop open()
    await fs.mkdir(attemptDir, { recursive: true });
    const ytdlp = await this.ytdlp.open({ ownerId, runDir: attemptDir });
    let listing: Listing;
    try {
      listing = await ytdlp.session.list(url, this.config.maxPlaylistItems, signal);
    } finally {
      await ytdlp.close();
      await this.removeWorkDir(id, attempt);
    }
    // No playlist there any more: the collection keeps the children it has and follows them.
    const none: FlatPlaylist = { title: null, thumbnailUrl: null, entries: [], sourceCount: null, skipped: 0 };
    await this.listChildren(collection, listing.kind === 'playlist' ? listing.playlist : none);
  }

  /**
   * Children in batches, each one write (children and how far the listing got), then the
   * collection's snapshot, which claims only children that exist; each batch's children start at once.
   */
  private async listChildren(job: JobSnapshot, playlist: FlatPlaylist): Promise<void> {
    const { limits } = await this.store.optionsOf(job.id);
    const total = playlist.entries.length;
    let listed = 0;
    do {
      const batch = playlist.entries.slice(listed, listed + LISTING_BATCH);
      // A cancel or delete meanwhile stops the making (in Redis), and itself ends every child made so far.
      if ((await this.store.createChildren(job, batch, limits, listed, total)).length < batch.length) return;
      listed += batch.length;
      if (!(await this.store.writeListing(job.id, job.attempt, playlist, listed, total))) return;
      crashPoint('collection.batch-written');
      await this.waiting.startReleased(job.ownerId);
    } while (listed < total);
  }
}
