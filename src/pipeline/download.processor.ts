import fs from 'node:fs/promises';
import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobStore } from '../jobs/job.store';
import { CancelRegistry } from './cancel-registry';
import { PipelineError } from './pipeline-error';
import { DownloadPayload, QueueName } from './pipeline';
import { PipelineQueues } from './pipeline-queues';
import { assertDurationAllowed, StageProcessor } from './stage-processor';
import { JobReporter } from './job-reporter';
import { YtdlpClient } from './ytdlp/ytdlp.client';
import type { YtdlpSession } from './ytdlp/ytdlp-session';

/** probe then download (both through the yt-dlp client), then hand over to transcode. Queue plumbing only. */
@Processor(QueueName.Download)
export class DownloadProcessor extends StageProcessor<DownloadPayload> {
  constructor(
    store: JobStore,
    cancels: CancelRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly pipeline: PipelineQueues,
    private readonly ytdlp: YtdlpClient,
  ) {
    super(store, cancels, config, QueueName.Download);
  }

  protected async runStage(job: Job<DownloadPayload>, reporter: JobReporter, signal: AbortSignal): Promise<void> {
    const { jobId, attempt } = job.data;
    // Handed over already (this run is BullMQ retrying a download whose worker died after the
    // hand-over): going again would delete the source under the transcode.
    if (await this.pipeline.handedOff(QueueName.Download, jobId, attempt)) return;
    const workDir = this.workDirOf(jobId, attempt);
    await fs.rm(workDir, { recursive: true, force: true });
    await fs.mkdir(workDir, { recursive: true });
    const ytdlp = await this.ytdlp.open({ ownerId: reporter.snapshot.ownerId, workDir });
    let sourcePath: string;
    try {
      sourcePath = await this.probeAndDownload(ytdlp.session, reporter, signal, workDir);
    } finally {
      await ytdlp.close();
    }
    await reporter.update({ message: 'Downloaded; waiting for a free transcoder' });
    await this.pipeline.handOff(QueueName.Download, { jobId, attempt, sourcePath });
  }

  private async probeAndDownload(ytdlp: YtdlpSession, reporter: JobReporter, signal: AbortSignal, workDir: string): Promise<string> {
    await reporter.enter('probing', 'Looking at the link');
    const { url, format } = reporter.snapshot;
    const info = await ytdlp.probe(url, signal);
    if (info.isLive) throw new PipelineError('unsupported_url', 'This is a live stream; only recorded videos can be downloaded.');
    assertDurationAllowed(info.durationSec, this.config.maxDurationSeconds);
    await reporter.enter('downloading', 'Starting the download', {
      title: info.title,
      durationSec: info.durationSec,
      thumbnailUrl: info.thumbnailUrl,
    });
    return ytdlp.download({
      url,
      format,
      outputDir: workDir,
      maxBytes: this.config.maxDownloadBytes,
      signal,
      onProgress: (view, message) =>
        reporter.progress(
          view.fraction * 100,
          { downloadedBytes: view.downloadedBytes, totalBytes: view.totalBytes, speedBps: view.speedBps, etaSeconds: view.etaSeconds },
          message,
        ),
    });
  }
}
