// The HLS ladder in two ffmpeg runs started together: the variant people watch first (its playlist an
// EVENT one that grows, so it can be played at once), and the rest of the ladder at a lower CPU
// priority so it takes only what the first leaves. Keyframes come from the same rule in both runs.
import fs from 'node:fs/promises';
import path from 'node:path';
import { hlsFolder, hlsNames } from '../../jobs/job-paths';
import { ToolStop } from '../../process/tool-stop';
import { FfmpegFailed, FfmpegRunner } from './ffmpeg.runner';
import { FfmpegProgressParser, FfmpegProgress } from './ffmpeg-progress';
import { eventPlaylistAsVod, HlsRunPart, hlsCommand, watchFirstIndex } from './hls-args';
import { videoCodecsInMasters } from './master-playlist';
import { SOURCE_INPUT_OPTIONS } from './source-format';
import type { TranscodePlan } from './transcode-policy';

/** How often the growing playlist is looked at for its first segment. */
const PREVIEW_POLL_MS = 150;
/** The rest of the ladder yields the CPU to the first variant (nice 10 weighs ~1/10 of nice 0). */
const REST_NICENESS = 10;

export interface LadderRunOptions {
  sourcePath: string;
  demuxer: string;
  outDir: string;
  segmentSeconds: number;
  signal: AbortSignal;
  /** Every progress block of either run, with the share of the whole ladder it stands for. */
  onProgress(progress: FfmpegProgress, run: number, weight: number): void;
  /** Once: the first variant's playlist lists a segment (its path relative to outDir). */
  onPreview(playlistPath: string): void;
}

export interface LadderOutput {
  /** The video codec (RFC 6381) of each encoded variant by index, as ffmpeg read it from x264's stream. */
  encodedVideoCodecs: ReadonlyMap<number, string>;
}

/** Runs the ladder into outDir: v<N>/index.m3u8 (VOD) and segments per variant; the master is the caller's. */
export async function runLadder(ffmpeg: FfmpegRunner, plan: TranscodePlan, opts: LadderRunOptions): Promise<LadderOutput> {
  const first = watchFirstIndex(plan);
  const rest = plan.kind === 'audio' ? [] : plan.renditions.map((_, i) => i).filter((i) => i !== first);
  const count = rest.length + 1;
  const parts: HlsRunPart[] = [
    { indices: [first], masterName: hlsNames.runMaster('first'), playlistType: 'event' },
    ...(rest.length ? [{ indices: rest, masterName: hlsNames.runMaster('rest'), playlistType: 'vod' as const }] : []),
  ];
  const hls = hlsFolder(opts.outDir);
  const previewPath = hlsNames.variantPlaylist(first);
  const stopWatch = watchForFirstSegment(hls.variantPlaylist(first), () => opts.onPreview(previewPath));
  // One run failing stops the other: its work would be thrown away.
  const siblings = new ToolStop<'sibling_failed'>(opts.signal);
  const runs = parts.map((part, n) => {
    const hls = hlsCommand(plan, { outDir: opts.outDir, segmentSeconds: opts.segmentSeconds, part });
    const parser = new FfmpegProgressParser();
    return ffmpeg.run({
      input: opts.sourcePath,
      args: { ...hls, inputOptions: [...hls.inputOptions, ...SOURCE_INPUT_OPTIONS, '-f', opts.demuxer] },
      output: hls.output,
      signal: siblings.signal,
      niceness: n === 0 ? undefined : REST_NICENESS,
      onProgressLine: (line) => {
        const progress = parser.push(line);
        if (progress) opts.onProgress(progress, n, part.indices.length / count);
      },
    }).catch((err: unknown) => {
      siblings.stop('sibling_failed');
      throw err;
    });
  });
  try {
    // Both settle before a failure is reported: no ffmpeg keeps writing into a folder being removed.
    const failures = (await Promise.allSettled(runs)).flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    // The run that failed by itself explains it, not the one stopped because of it.
    if (failures.length) throw failures.find((e) => !(e instanceof FfmpegFailed && e.aborted)) ?? failures[0];
  } finally {
    siblings.dispose();
    stopWatch();
  }
  const preview = hls.variantPlaylist(first);
  await fs.writeFile(preview, eventPlaylistAsVod(await fs.readFile(preview, 'utf8')));
  // Read only for codecs: a missing one leaves its encoded variants without CODECS, not the job failed.
  const masters = await Promise.all(parts.map((p) => fs.readFile(path.join(opts.outDir, p.masterName), 'utf8').catch(() => '')));
  await Promise.all(parts.map((p) => fs.rm(path.join(opts.outDir, p.masterName), { force: true })));
  return { encodedVideoCodecs: videoCodecsInMasters(masters) };
}

/** Calls back once when the playlist at `file` lists a segment; returns the stop. */
function watchForFirstSegment(file: string, onFirst: () => void): () => void {
  let done = false;
  const timer = setInterval(() => {
    void fs.readFile(file, 'utf8').then(
      (text) => {
        if (done || !text.includes('#EXTINF')) return;
        done = true;
        clearInterval(timer);
        onFirst();
      },
      () => undefined, // not written yet
    );
  }, PREVIEW_POLL_MS);
  return () => {
    done = true;
    clearInterval(timer);
  };
}
