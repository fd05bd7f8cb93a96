// What the transcode adds to a finished HLS folder before it is published: the subtitle renditions
// and the downloadable file. Plain classes over the FfmpegRunner; the text work is pure (subtitles.ts).
import fs from 'node:fs/promises';
import type { SubtitleInfo } from '../../jobs/job.types';
import { hlsFolder, hlsNames, mediaUrl } from '../../jobs/job-paths';
import type { SubtitleFile } from '../ytdlp/ytdlp-subtitles';
import { fileExtFor, fileRemuxCommand, FileKind } from './file-args';
import { FfmpegFailed, FfmpegRunner } from './ffmpeg.runner';
import {
  hasCues,
  masterWithSubtitles,
  subtitleConvertCommand,
  subtitleFormatOf,
  subtitlePlaylist,
  subtitleTracks,
  SubtitleTrack,
  withTimestampMap,
} from './subtitles';

/** Larger "subtitles" are not subtitles (a site serving a video or a page by mistake). */
const MAX_SUBTITLE_BYTES = 5 * 1024 * 1024;
/** Where ffmpeg's MPEG-TS segments start when the first timestamp cannot be read (its default offset). */
const DEFAULT_FIRST_PTS_90K = 126_000;

export interface SubtitlesAdded {
  subtitles: SubtitleInfo[];
  /** Tracks left out, each with why, for the job's message. */
  skipped: string[];
}

/**
 * Converts each track to WebVTT under outDir/subs/, writes its playlist and lists them all in
 * master.m3u8. A track that cannot be read is skipped (never a failed job).
 */
export async function addSubtitles(
  ffmpeg: FfmpegRunner,
  opts: { outDir: string; jobId: string; files: readonly SubtitleFile[]; durationSec: number | null; signal: AbortSignal },
): Promise<SubtitlesAdded> {
  const { outDir, files } = opts;
  if (files.length === 0) return { subtitles: [], skipped: [] };
  const hls = hlsFolder(outDir);
  await fs.mkdir(hls.subtitles, { recursive: true });
  const firstPts = await firstPts90k(ffmpeg, outDir);
  const kept: SubtitleTrack[] = [];
  const skipped: string[] = [];
  const tracks = subtitleTracks(files.map((f) => f.lang));
  for (const [i, file] of files.entries()) {
    const track = tracks[i];
    const vttPath = hls.subtitle(track.stem, 'vtt');
    const why = await convertOne(ffmpeg, file.path, vttPath, opts.signal);
    if (why) {
      skipped.push(`${file.lang} (${why})`);
      await fs.rm(vttPath, { force: true });
      continue;
    }
    await fs.writeFile(vttPath, withTimestampMap(await fs.readFile(vttPath, 'utf8'), firstPts));
    await fs.writeFile(hls.subtitle(track.stem, 'm3u8'), subtitlePlaylist(hlsNames.subtitleFileName(track.stem, 'vtt'), opts.durationSec ?? 1));
    kept.push(track);
  }
  if (kept.length === 0) await fs.rm(hls.subtitles, { recursive: true, force: true });
  const masterPath = hls.master;
  await fs.writeFile(masterPath, masterWithSubtitles(await fs.readFile(masterPath, 'utf8'), kept));
  return {
    subtitles: kept.map((t) => ({ lang: t.lang, name: t.name, url: mediaUrl(opts.jobId, hlsNames.subtitle(t.stem, 'vtt')) })),
    skipped,
  };
}

/** null when converted; otherwise why not, in a few words. */
async function convertOne(ffmpeg: FfmpegRunner, input: string, output: string, signal: AbortSignal): Promise<string | null> {
  const stat = await fs.stat(input).catch(() => null);
  if (!stat) return 'not downloaded';
  if (stat.size > MAX_SUBTITLE_BYTES) return 'too large';
  const format = subtitleFormatOf(await fs.readFile(input, 'utf8'));
  if (!format) return 'a format that cannot be converted';
  try {
    await ffmpeg.run({ input, args: subtitleConvertCommand(format), output, signal });
  } catch (err) {
    if (err instanceof FfmpegFailed && err.aborted) throw err;
    return 'could not be read';
  }
  const vtt = await fs.readFile(output, 'utf8').catch(() => '');
  return hasCues(vtt) ? null : 'no readable cues';
}

/** The first timestamp of variant 0's first segment, in 90 kHz ticks (what the subtitles are tied to). */
async function firstPts90k(ffmpeg: FfmpegRunner, outDir: string): Promise<number> {
  const first = hlsFolder(outDir).firstSegment(0);
  try {
    const start = Number((await ffmpeg.probe(first, ['-protocol_whitelist', 'file', '-f', 'mpegts'])).format.start_time);
    return Number.isFinite(start) ? Math.round(start * 90_000) : DEFAULT_FIRST_PTS_90K;
  } catch {
    return DEFAULT_FIRST_PTS_90K;
  }
}

/**
 * outDir/file.mp4 (audio: file.m4a) from variant 0, stream copied; null (and no file) if ffmpeg
 * could not, which leaves the job playable but without a download.
 */
export async function writeDownloadFile(
  ffmpeg: FfmpegRunner,
  opts: { outDir: string; kind: FileKind; signal: AbortSignal },
): Promise<string | null> {
  const hls = hlsFolder(opts.outDir);
  const output = hls.file(fileExtFor(opts.kind));
  try {
    await ffmpeg.run({ input: hls.variantPlaylist(0), args: fileRemuxCommand(opts.kind), output, signal: opts.signal });
    return output;
  } catch (err) {
    if (err instanceof FfmpegFailed && err.aborted) throw err;
    await fs.rm(output, { force: true });
    return null;
  }
}
