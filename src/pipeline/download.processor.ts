import fs from 'node:fs/promises';
import path from 'node:path';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { folderSize } from '../common/folder-size';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { JobError } from '../jobs/job.types';
import { JobStore } from '../jobs/job.store';
import { CancelRegistry } from './cancel-registry';
import { PipelineError } from './pipeline-error';
import { EgressProxy, ytdlpProxyEnv } from './egress/egress-proxy';
import { runTool, ToolOptions, ToolRun } from './process/run-tool';
import { ToolStop } from './process/tool-stop';
import { DownloadPayload, QueueName, queueJobId, TranscodePayload } from './queues';
import { assertDurationAllowed, StageProcessor } from './stage-processor';
import { JobReporter } from './job-reporter';
import { ytdlpDownloadArgs, ytdlpProbeArgs } from './ytdlp/ytdlp-args';
import { ytdlpErrorFromOutput, ytdlpErrorWithoutFile } from './ytdlp/ytdlp-errors';
import { downloadedFilepathFromLine, requestedFormatFromLine } from './ytdlp/ytdlp-output';
import { probeInfoFromJson, ProbeInfo } from './ytdlp/ytdlp-probe';
import { downloadMessage, downloadProgressFromLine, DownloadProgressTracker } from './ytdlp/ytdlp-progress';

/** probe (`yt-dlp -J`) then download (yt-dlp with a JSON progress template), then hand over to transcode. */
@Processor(QueueName.Download)
export class DownloadProcessor extends StageProcessor<DownloadPayload> {
  constructor(
    store: JobStore,
    cancels: CancelRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectQueue(QueueName.Transcode) private readonly transcodes: Queue<TranscodePayload>,
  ) {
    super(store, cancels, config, config.downloadConcurrency);
  }

  protected async runStage(job: Job<DownloadPayload>, reporter: JobReporter, signal: AbortSignal): Promise<void> {
    // Handed over already (this run is BullMQ retrying a download whose worker died after the
    // hand-over): going again would delete the source under the transcode.
    if (await this.transcodes.getJob(queueJobId(job.data.jobId, job.data.attempt))) return;
    const egress = await this.openEgress();
    try {
      await this.probeAndDownload(job, reporter, signal, egress);
    } finally {
      await egress?.close();
    }
  }

  private async probeAndDownload(job: Job<DownloadPayload>, reporter: JobReporter, signal: AbortSignal, egress: EgressProxy | null): Promise<void> {
    const { jobId, attempt } = job.data;
    await reporter.enter('probing', 'Looking at the link');
    const info = await this.probe(reporter.snapshot.url, signal, egress);
    if (info.isLive) throw new PipelineError('unsupported_url', 'This is a live stream; only recorded videos can be downloaded.');
    assertDurationAllowed(info.durationSec, this.config.maxDurationSeconds);
    await reporter.enter('downloading', 'Starting the download', {
      title: info.title,
      durationSec: info.durationSec,
      thumbnailUrl: info.thumbnailUrl,
    });
    const workDir = this.workDirOf(jobId, attempt);
    await fs.rm(workDir, { recursive: true, force: true });
    await fs.mkdir(workDir, { recursive: true });
    const sourcePath = await this.download(reporter, workDir, signal, egress);
    await reporter.update({ message: 'Downloaded; waiting for a free transcoder' });
    await this.transcodes.add(
      QueueName.Transcode,
      { jobId, attempt, sourcePath },
      { jobId: queueJobId(jobId, attempt), removeOnComplete: { age: 86400, count: 1000 }, removeOnFail: { age: 7 * 86400 } },
    );
  }

  /**
   * Unless private URLs are allowed, yt-dlp (and any ffmpeg it starts) goes through a checking
   * proxy: a redirect or a second DNS answer that leads to a private address is refused when it
   * connects, not only when the job was submitted.
   */
  private openEgress(): Promise<EgressProxy> | null {
    if (this.config.allowPrivateUrls) return null;
    return EgressProxy.start({ allowPrivate: false, allowAddresses: this.config.allowedPrivateAddresses });
  }

  /** Through the proxy by environment only (see ytdlpProxyEnv): `--proxy` would leave ftp out. */
  private ytdlp(args: string[], egress: EgressProxy | null, opts: ToolOptions): Promise<ToolRun> {
    return runTool(this.config.ytdlpPath, args, egress ? { ...opts, env: ytdlpProxyEnv(egress.url) } : opts);
  }

  /** The proxy's refusal explains a failure better than yt-dlp's "HTTP Error 403". */
  private refusal(egress: EgressProxy | null): PipelineError | null {
    const refused = egress?.blocked[0];
    if (!refused) return null;
    if (refused.kind === 'private') {
      return new PipelineError('private_address', `The link leads to ${refused.host}, a private address this server does not download from.`);
    }
    return new PipelineError('unsupported_url', `The link leads to ${refused.host}, where this server does not download from (${refused.reason}).`);
  }

  private async probe(url: string, signal: AbortSignal, egress: EgressProxy | null): Promise<ProbeInfo> {
    const run = await this.ytdlp(ytdlpProbeArgs(url), egress, { signal, collectStdout: true });
    if (run.aborted) throw new PipelineError('internal_error', 'Cancelled');
    const refused = this.refusal(egress);
    if (refused) throw refused;
    if (run.exitCode !== 0) throw pipelineError(ytdlpErrorFromOutput(run.stderrTail, run.exitCode));
    try {
      return probeInfoFromJson(JSON.parse(run.stdout));
    } catch {
      throw new PipelineError('unsupported_url', 'The link did not describe a video that can be downloaded.');
    }
  }

  private async download(reporter: JobReporter, workDir: string, signal: AbortSignal, egress: EgressProxy | null): Promise<string> {
    const { url, format } = reporter.snapshot;
    const maxBytes = this.config.maxDownloadBytes;
    const tracker = new DownloadProgressTracker();
    // yt-dlp checks --max-filesize per HLS fragment only: the whole size is held to it here too.
    const toolStop = new ToolStop<'too_large'>(signal);
    // yt-dlp may hand HLS to ffmpeg, which reports no progress: the folder itself is watched too.
    const sizeWatch = maxBytes
      ? setInterval(() => {
          // yt-dlp's merge and fix-up steps write a second copy (*.temp.*): not downloaded bytes.
          void folderSize(workDir, /\.temp\./).then((bytes) => {
            if (bytes > maxBytes) toolStop.stop('too_large');
          });
        }, SIZE_WATCH_MS)
      : null;
    let finalPath: string | null = null;
    let label = 'Downloading';
    let run: ToolRun;
    try {
      run = await this.ytdlp(ytdlpDownloadArgs({ url, format, outputDir: workDir, maxBytes }), egress, {
        signal: toolStop.signal,
        onStdoutLine: (line) => {
          const progress = downloadProgressFromLine(line);
          if (progress) {
            const view = tracker.update(progress);
            if (maxBytes && view.downloadedBytes > maxBytes) toolStop.stop('too_large');
            reporter.progress(
              view.fraction * 100,
              { downloadedBytes: view.downloadedBytes, totalBytes: view.totalBytes, speedBps: view.speedBps, etaSeconds: view.etaSeconds },
              downloadMessage(label, view),
            );
            return;
          }
          const requested = requestedFormatFromLine(line);
          if (requested) {
            tracker.expectFiles(requested.fileCount);
            if (requested.height) label = `Downloading ${requested.height}p`;
            return;
          }
          finalPath = downloadedFilepathFromLine(line) ?? finalPath;
        },
      });
    } finally {
      toolStop.dispose();
      if (sizeWatch) clearInterval(sizeWatch);
    }
    if (toolStop.reason === 'too_large') throw pipelineError(ytdlpErrorWithoutFile(maxBytes));
    if (run.aborted) throw new PipelineError('internal_error', 'Cancelled');
    // Also after a "success": yt-dlp skips an HLS fragment it could not fetch and carries on.
    const refused = this.refusal(egress);
    if (refused) throw refused;
    if (run.exitCode !== 0) throw pipelineError(ytdlpErrorFromOutput(run.stderrTail, run.exitCode, maxBytes));
    if (!finalPath) throw pipelineError(ytdlpErrorWithoutFile(maxBytes)); // how a max-filesize abort looks
    // The file must be the one it wrote inside our folder.
    const resolved = path.resolve(finalPath);
    const stat = path.dirname(resolved) === workDir ? await fs.stat(resolved).catch(() => null) : null;
    if (!stat) throw new PipelineError('download_failed', 'The download finished but produced no file.');
    // A download too quick for the folder watch (ffmpeg fetching HLS reports no progress).
    if (maxBytes && stat.size > maxBytes) throw pipelineError(ytdlpErrorWithoutFile(maxBytes));
    return resolved;
  }
}

const SIZE_WATCH_MS = 1000;

const pipelineError = (e: JobError) => new PipelineError(e.code, e.message);
