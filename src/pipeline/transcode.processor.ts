import fs from 'node:fs/promises';
import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { folderSize } from '../common/folder-size';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobRecords } from '../jobs/job-records';
import { failure, type JobMessage, say } from '../jobs/job-messages';
import type { JobResult } from '../jobs/job.types';
import { hlsFolder, hlsNames, mediaUrl, previewUrl } from '../jobs/job-paths';
import { CancelRegistry } from './cancel-registry';
import { FfmpegFailed, FfmpegRunner } from './ffmpeg/ffmpeg.runner';
import { stagePercentFromProgress } from './ffmpeg/ffmpeg-progress';
import { posterCommand } from './ffmpeg/hls-args';
import { LadderOutput, runLadder } from './ffmpeg/ladder-runs';
import { addSubtitles, writeDownloadFile, writeMasterPlaylist } from './ffmpeg/hls-extras';
import { renditionsFromMasterPlaylist } from './ffmpeg/master-playlist';
import { mediaStreamsFromFfprobe, MediaStreams } from './ffmpeg/media-streams';
import { demuxerFor, looksLikeText, SOURCE_INPUT_OPTIONS } from './ffmpeg/source-format';
import { planTranscode, TranscodePlan } from './ffmpeg/transcode-policy';
import { JobReporter } from './job-reporter';
import { JobSupersededError, PipelineError } from './pipeline-error';
import { QueueName, TranscodePayload } from './pipeline';
import { ToolStop } from '../process/tool-stop';
import { assertDurationAllowed, StageProcessor, tooLongError } from './stage-processor';

/** ffmpeg (through fluent-ffmpeg) from the downloaded source to HLS under MEDIA_DIR/<jobId>/. */
@Processor(QueueName.Transcode)
export class TranscodeProcessor extends StageProcessor<TranscodePayload> {
  constructor(
    store: JobRecords,
    cancels: CancelRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly ffmpeg: FfmpegRunner,
  ) {
    super(store, cancels, config, QueueName.Transcode);
  }

  protected async runStage(job: Job<TranscodePayload>, reporter: JobReporter, signal: AbortSignal): Promise<void> {
    const { jobId, attempt, sourcePath, subtitles: downloadedSubs } = job.data;
    await reporter.enter('transcoding', say('job.transcode_reading'));
    const streams = await this.inspect(sourcePath);
    const planned = planTranscode(streams, reporter.snapshot.format);
    if ('error' in planned) throw new PipelineError(planned.error);
    const durationSec = streams.durationSec ?? reporter.snapshot.durationSec;
    assertDurationAllowed(durationSec, this.config.maxDurationSeconds); // direct files: known only now
    await reporter.update({ durationSec, ...describePlan(planned) });

    const outDir = this.paths.hls(jobId, attempt);
    await fs.rm(outDir, { recursive: true, force: true });
    await fs.mkdir(outDir, { recursive: true });
    const maxSeconds = this.config.maxDurationSeconds;
    const ffmpegStop = new ToolStop<'too_long'>(signal);
    // The poster decodes one frame beside the ladder rather than after it.
    // Settled into a value at once: a rejection waiting for the ladder must not count as unhandled.
    const poster: Promise<boolean | Error> = planned.kind === 'video' && streams.video !== null
      ? this.writePoster(sourcePath, outDir, streams, durationSec, ffmpegStop.signal).catch((err: Error) => err)
      : Promise.resolve(false);
    const done = new Map<number, number>(); // per run: out time reached, weighted by its share
    let ladder: LadderOutput;
    try {
      ladder = await this.ffmpegOrFail(
        runLadder(this.ffmpeg, planned, {
          sourcePath,
          demuxer: streams.demuxer,
          outDir,
          segmentSeconds: this.config.hlsSegmentSeconds,
          signal: ffmpegStop.signal,
          onProgress: (progress, run, weight) => {
            // Length unknown until now (a streamed file): stop as soon as the output passes the limit.
            if (maxSeconds !== null && (progress.outTimeSec ?? 0) > maxSeconds) ffmpegStop.stop('too_long');
            const percent = stagePercentFromProgress(progress, durationSec);
            if (percent === null) return;
            done.set(run, percent * weight);
            reporter.progress([...done.values()].reduce((a, b) => a + b, 0));
          },
          onPreview: (playlist) => void reporter.update({ preview: { playlistUrl: previewUrl(jobId, playlist) } }).catch(() => undefined),
        }),
      );
    } catch (err) {
      await poster;
      if (ffmpegStop.reason === 'too_long') throw tooLongError(maxSeconds!, null);
      throw err;
    } finally {
      ffmpegStop.dispose();
    }

    const hasPoster = await poster;
    if (hasPoster instanceof Error) throw hasPoster;

    // Audio jobs keep no subtitles: there is no picture to show them on.
    const subs = planned.kind === 'video' ? await addSubtitles(this.ffmpeg, { outDir, jobId, files: downloadedSubs?.files ?? [], durationSec, signal }) : null;
    const master = await writeMasterPlaylist({ outDir, plan: planned, streams, encodedVideoCodecs: ladder.encodedVideoCodecs, subtitles: subs?.tracks ?? [] });
    const file = await writeDownloadFile(this.ffmpeg, { outDir, kind: planned.kind, signal });
    const result: JobResult = {
      playlistUrl: mediaUrl(jobId, hlsNames.master),
      posterUrl: hasPoster ? mediaUrl(jobId, hlsNames.poster) : null,
      renditions: renditionsFromMasterPlaylist(master),
      // The file counts in the owner's media bytes like the HLS it doubles (README: "The file itself").
      sizeBytes: await folderSize(outDir),
      durationSec,
      videoCopied: planned.renditions.some((r) => r.copyVideo),
      fileUrl: file ? `/api/jobs/${jobId}/file` : null,
      subtitles: subs?.subtitles ?? [],
    };
    const ready = readyNotes(downloadedSubs?.skipped ?? [], subs?.skipped ?? [], file !== null);
    // Published in one rename: a half-written folder is never served.
    if (signal.aborted) throw new JobSupersededError(jobId);
    const finalDir = this.paths.media(jobId);
    await fs.rm(finalDir, { recursive: true, force: true });
    await fs.rename(outDir, finalDir);
    try {
      await reporter.complete(result, ready);
    } catch (err) {
      // Cancelled or deleted in the last moment: its media must not outlive it.
      await fs.rm(finalDir, { recursive: true, force: true });
      throw err;
    }
    await this.removeWorkDir(jobId, attempt);
  }

  /** A still for the player and the list; a missing poster is no reason to fail the job. */
  private async writePoster(
    sourcePath: string,
    outDir: string,
    streams: MediaStreams & { demuxer: string },
    durationSec: number | null,
    signal: AbortSignal,
  ): Promise<boolean> {
    const output = hlsFolder(outDir).poster;
    const atSec = durationSec ? Math.min(durationSec / 3, 10) : 0;
    const poster = posterCommand({ atSec, height: Math.min(360, streams.video!.height) });
    const args = { ...poster, inputOptions: [...poster.inputOptions, ...SOURCE_INPUT_OPTIONS, '-f', streams.demuxer] };
    try {
      await this.ffmpeg.run({ input: sourcePath, args, output, signal });
    } catch (err) {
      if (err instanceof FfmpegFailed && err.aborted) throw err;
      this.logger.warn(`No poster: ${(err as Error).message}`);
    }
    // ffmpeg exits 0 without a file when the frame is past the end.
    return fs.stat(output).then(() => true, () => false);
  }

  /** The source's streams, and the demuxer to force: only self-contained media files get this far. */
  private async inspect(sourcePath: string): Promise<MediaStreams & { demuxer: string }> {
    const notMedia = new PipelineError(failure('not_video', 'error.not_video'));
    const handle = await fs.open(sourcePath, 'r');
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
    if (looksLikeText(head.subarray(0, bytesRead))) throw notMedia;
    let streams: MediaStreams;
    try {
      streams = mediaStreamsFromFfprobe(await this.ffmpeg.probe(sourcePath, SOURCE_INPUT_OPTIONS));
    } catch {
      throw notMedia;
    }
    const demuxer = demuxerFor(streams.formatName);
    if (!demuxer) throw notMedia;
    return { ...streams, demuxer };
  }

  private async ffmpegOrFail<T>(run: Promise<T>): Promise<T> {
    try {
      return await run;
    } catch (err) {
      if (err instanceof FfmpegFailed && !err.aborted) {
        const reason = lastMeaningfulLine(err.stderr) ?? err.message;
        throw new PipelineError(failure('transcode_failed', 'error.transcode_failed', { reason }));
      }
      throw err;
    }
  }
}

/** "Ready to play", and what it adds: subtitles left out, a missing file. */
function readyNotes(notFetched: string[], notConverted: string[], hasFile: boolean): JobMessage {
  const subtitles = [...notFetched, ...notConverted].join(', ');
  if (subtitles) return hasFile ? say('job.ready_no_subtitles', { subtitles }) : say('job.ready_no_subtitles_no_file', { subtitles });
  return hasFile ? say('job.ready') : say('job.ready_no_file');
}

function describePlan(plan: TranscodePlan): JobMessage {
  if (plan.kind === 'audio') return say('job.transcode_audio');
  const heights = (renditions: TranscodePlan['renditions']) => renditions.map((r) => `${r.height}p`).join(', ');
  return say('job.transcode_video', { renditions: heights(plan.renditions), copied: heights(plan.renditions.filter((r) => r.copyVideo)) });
}

function lastMeaningfulLine(stderr: string): string | null {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^\w+=/.test(l));
  return lines.length ? lines[lines.length - 1].slice(0, 300) : null;
}
