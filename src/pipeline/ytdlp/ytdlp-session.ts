// What a caller asks of yt-dlp for one job — probe, download with progress — over the run options
// the client opened for it (binary, runtime flag, cookies, egress proxy). No NestJS here.
import fs from 'node:fs/promises';
import path from 'node:path';
import { folderSize } from '../../common/folder-size';
import { failure, type JobMessage, type KeyedJobError } from '../../jobs/job-messages';
import type { JobFormat } from '../../jobs/job.types';
import { EgressProxy, ytdlpProxyEnv } from '../egress/egress-proxy';
import { PipelineError } from '../pipeline-error';
import { runTool, ToolOptions, ToolRun } from '../../process/run-tool';
import { ToolStop } from '../../process/tool-stop';
import { subLangsWithout, withProbeInfo, ytdlpDownloadArgs, ytdlpListArgs, ytdlpProbeArgs } from './ytdlp-args';
import { withCookiesUsed, ytdlpErrorFromOutput, ytdlpErrorWithoutFile } from './ytdlp-errors';
import { downloadedFilepathFromLine, requestedFormatFromLine } from './ytdlp-output';
import { flatPlaylistFromJson, FlatPlaylist, isPlaylistJson } from './ytdlp-playlist';
import { infoFromLine, probeInfoFromJson, ProbeInfo } from './ytdlp-probe';
import { downloadMessage, DownloadProgressTracker, downloadProgressFromLine, DownloadProgressView } from './ytdlp-progress';
import { failedSubtitleFromStderr, subtitleFilesFromLine, SubtitleFile } from './ytdlp-subtitles';

export interface YtdlpRunOptions {
  /** The yt-dlp to start; the same for every run of the job. */
  binaryPath: string;
  /** Flags this binary needs before ours (the JavaScript runtime of a current yt-dlp). */
  extraArgs: readonly string[];
  /** The owner's cookies, as a Netscape file only this job's runs read. */
  cookiesFile: string | null;
  /** Unless private URLs are allowed: every connection of yt-dlp (and of the ffmpeg it starts) goes through it. */
  egress: EgressProxy | null;
}

/** Pure: our builder's argv with the run's own options before it (the builder ends with `-- URL`). */
export function ytdlpRunArgs(builderArgs: readonly string[], opts: Pick<YtdlpRunOptions, 'extraArgs' | 'cookiesFile'>): string[] {
  return [...opts.extraArgs, ...(opts.cookiesFile ? ['--cookies', opts.cookiesFile] : []), ...builderArgs];
}

export interface DownloadRequest {
  url: string;
  format: JobFormat;
  outputDir: string;
  maxBytes: number | null;
  signal: AbortSignal;
  /** Every progress line, as one monotone view and the sentence to show with it. */
  onProgress(view: DownloadProgressView, message: JobMessage): void;
  /** yt-dlp's `--sub-langs` (SUBTITLE_LANGS); null or absent: no subtitles. */
  subtitleLangs?: string | null;
  /**
   * What the link is, before its bytes come (the probe's facts from the same run). Throwing
   * stops the run and the download fails with that error (a live stream, a limit).
   */
  onInfo?(info: ProbeInfo): void;
}

/** What a download left for the transcode: the source, and the subtitles fetched with it. */
export interface DownloadResult {
  sourcePath: string;
  subtitles: DownloadedSubtitles;
}

export interface DownloadedSubtitles {
  /** At most MAX_SUBTITLE_TRACKS, in the site's order, as served (any format). */
  files: SubtitleFile[];
  /** Languages that could not be fetched, each with the reason, for the job's message. */
  skipped: string[];
}

/** What a link turned out to be. */
export type Listing = { kind: 'playlist'; playlist: FlatPlaylist } | { kind: 'video'; info: ProbeInfo };

const SIZE_WATCH_MS = 1000;

export class YtdlpSession {
  constructor(private readonly run: YtdlpRunOptions) {}

  /** One video: the first entry of a playlist (a child job, or `playlist: false`). */
  async probe(url: string, signal: AbortSignal): Promise<ProbeInfo> {
    const json = await this.runJson(ytdlpProbeArgs(url), signal);
    try {
      return probeInfoFromJson(json);
    } catch {
      throw new PipelineError(failure('unsupported_url', 'error.unsupported_url.not_a_video'));
    }
  }

  /**
   * The probe of a link that may be a playlist, in one run: a playlist's entries (flat, never
   * probed one by one, at most `maxItems`), or the video it is.
   */
  async list(url: string, maxItems: number, signal: AbortSignal): Promise<Listing> {
    const json = await this.runJson(ytdlpListArgs(url, maxItems), signal);
    if (isPlaylistJson(json)) return { kind: 'playlist', playlist: flatPlaylistFromJson(json, maxItems) };
    return { kind: 'video', info: probeInfoFromJson(json) };
  }

  private async runJson(args: string[], signal: AbortSignal): Promise<unknown> {
    const run = await this.start(args, { signal, collectStdout: true });
    if (run.aborted) throw new PipelineError('internal_error', 'Cancelled');
    this.throwIfRefused();
    if (run.exitCode !== 0) throw this.failure(ytdlpErrorFromOutput(run.stderrTail, run.exitCode));
    try {
      return JSON.parse(run.stdout) as unknown;
    } catch {
      throw new PipelineError(failure('unsupported_url', 'error.unsupported_url.not_a_video'));
    }
  }

  /**
   * Downloads into `outputDir`: the finished file's path, inside that folder, and the subtitle files
   * left beside it. yt-dlp ends the whole run when one subtitle cannot be fetched (before the video),
   * so the run goes again without that language — twice at most, then without subtitles.
   */
  async download(req: DownloadRequest): Promise<DownloadResult> {
    const skipped: string[] = [];
    // Audio jobs keep no subtitles (nothing to show them on): not fetched either.
    let subtitleLangs = req.format === 'audio' ? null : (req.subtitleLangs ?? null);
    for (let tries = 0; ; tries++) {
      const result = await this.downloadRun(req, subtitleLangs);
      if ('sourcePath' in result) return { ...result, subtitles: { files: result.subtitles, skipped } };
      const refused = this.run.egress?.blocked.splice(0)[0]; // the subtitle's refusal: it is left out now
      skipped.push(`${result.failedSubtitle.lang} (${refused ? `refused: ${refused.reason}` : result.failedSubtitle.reason})`);
      subtitleLangs = tries < 1 && subtitleLangs ? subLangsWithout(subtitleLangs, result.failedSubtitle.lang) : null;
      if (!subtitleLangs) skipped.push('every other language (too many failed)');
    }
  }

  private async downloadRun(
    req: DownloadRequest,
    subtitleLangs: string | null,
  ): Promise<{ sourcePath: string; subtitles: SubtitleFile[] } | { failedSubtitle: { lang: string; reason: string } }> {
    const { maxBytes, outputDir } = req;
    const tracker = new DownloadProgressTracker();
    // yt-dlp checks --max-filesize per HLS fragment only: the whole size is held to it here too.
    const toolStop = new ToolStop<'too_large' | 'refused'>(req.signal);
    let refusal: unknown = null;
    // yt-dlp may hand HLS to ffmpeg, which reports no progress: the folder itself is watched too.
    const sizeWatch = maxBytes
      ? setInterval(() => {
          // yt-dlp's merge and fix-up steps write a second copy (*.temp.*): not downloaded bytes.
          void folderSize(outputDir, /\.temp\./).then((bytes) => {
            if (bytes > maxBytes) toolStop.stop('too_large');
          });
        }, SIZE_WATCH_MS)
      : null;
    let finalPath: string | null = null;
    let subtitles: SubtitleFile[] = [];
    let height: number | null = null;
    let run: ToolRun;
    try {
      const args = ytdlpDownloadArgs({ url: req.url, format: req.format, outputDir, maxBytes, subtitleLangs });
      run = await this.start(req.onInfo ? withProbeInfo(args) : args, {
        signal: toolStop.signal,
        onStdoutLine: (line) => {
          const progress = downloadProgressFromLine(line);
          if (progress) {
            const view = tracker.update(progress);
            if (maxBytes && view.downloadedBytes > maxBytes) toolStop.stop('too_large');
            req.onProgress(view, downloadMessage(height, view));
            return;
          }
          const info = req.onInfo ? infoFromLine(line) : null;
          if (info) {
            try {
              req.onInfo!(info);
            } catch (err) {
              refusal ??= err;
              toolStop.stop('refused');
            }
            return;
          }
          const requested = requestedFormatFromLine(line);
          if (requested) {
            tracker.expectFiles(requested.fileCount);
            if (requested.height) height = requested.height;
            return;
          }
          subtitles = subtitleFilesFromLine(line) ?? subtitles;
          finalPath = downloadedFilepathFromLine(line) ?? finalPath;
        },
      });
    } finally {
      toolStop.dispose();
      if (sizeWatch) clearInterval(sizeWatch);
    }
    if (toolStop.reason === 'refused') throw refusal;
    if (toolStop.reason === 'too_large') throw pipelineError(ytdlpErrorWithoutFile(maxBytes));
    if (run.aborted) throw new PipelineError('internal_error', 'Cancelled');
    const failedSubtitle = subtitleLangs && run.exitCode !== 0 ? failedSubtitleFromStderr(run.stderrTail) : null;
    if (failedSubtitle) return { failedSubtitle };
    // Also after a "success": yt-dlp skips an HLS fragment it could not fetch and carries on.
    this.throwIfRefused();
    if (run.exitCode !== 0) throw this.failure(ytdlpErrorFromOutput(run.stderrTail, run.exitCode, maxBytes));
    if (!finalPath) throw pipelineError(ytdlpErrorWithoutFile(maxBytes)); // how a max-filesize abort looks
    // The file must be the one it wrote inside our folder.
    const resolved = path.resolve(finalPath);
    const stat = path.dirname(resolved) === path.resolve(outputDir) ? await fs.stat(resolved).catch(() => null) : null;
    if (!stat) throw new PipelineError(failure('download_failed', 'error.download_failed.no_file'));
    // A download too quick for the folder watch (ffmpeg fetching HLS reports no progress).
    if (maxBytes && stat.size > maxBytes) throw pipelineError(ytdlpErrorWithoutFile(maxBytes));
    // Only subtitle files inside our folder, like the source.
    const inFolder = subtitles.filter((f) => path.dirname(path.resolve(f.path)) === path.resolve(outputDir));
    return { sourcePath: resolved, subtitles: inFolder.map((f) => ({ ...f, path: path.resolve(f.path) })) };
  }

  /** Through the proxy by environment only (see ytdlpProxyEnv): `--proxy` would leave ftp out. */
  private start(builderArgs: string[], opts: ToolOptions): Promise<ToolRun> {
    const { egress, binaryPath } = this.run;
    return runTool(binaryPath, ytdlpRunArgs(builderArgs, this.run), egress ? { ...opts, env: ytdlpProxyEnv(egress.url) } : opts);
  }

  private failure(error: KeyedJobError): PipelineError {
    return pipelineError(withCookiesUsed(error, this.run.cookiesFile !== null));
  }

  /** The proxy's refusal explains a failure better than yt-dlp's "HTTP Error 403". */
  private throwIfRefused(): void {
    const refused = this.run.egress?.blocked[0];
    if (!refused) return;
    if (refused.kind === 'private') {
      throw new PipelineError(failure('private_address', 'error.private_address', { host: refused.host }));
    }
    throw new PipelineError(failure('unsupported_url', 'error.unsupported_url.refused_host', { host: refused.host, reason: refused.reason }));
  }
}

const pipelineError = (e: KeyedJobError) => new PipelineError(e);
