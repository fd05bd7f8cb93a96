// What the transcode adds to a finished HLS folder before it is published: the subtitle renditions,
// the master playlist and the downloadable file. Plain functions over the FfmpegRunner and the disk;
// the text work is pure (subtitles.ts, master-playlist.ts, segment-bit-rates.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SubtitleInfo } from '../../jobs/job.types';
import { hlsFolder, hlsNames, mediaUrl } from '../../jobs/job-paths';
import type { SubtitleFile } from '../ytdlp/ytdlp-subtitles';
import { fileExtFor, fileRemuxCommand, FileKind } from './file-args';
import { FfmpegFailed, FfmpegRunner } from './ffmpeg.runner';
import { masterPlaylist, variantStreams } from './master-playlist';
import type { MediaStreams } from './media-streams';
import { mediaPlaylistSegments, SegmentBitRates, segmentBitRates } from './segment-bit-rates';
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
import type { TranscodePlan } from './transcode-policy';

/** Larger "subtitles" are not subtitles (a site serving a video or a page by mistake). */
const MAX_SUBTITLE_BYTES = 5 * 1024 * 1024;
/** Where ffmpeg's MPEG-TS segments start when the first timestamp cannot be read (its default offset). */
const DEFAULT_FIRST_PTS_90K = 126_000;

export interface SubtitlesAdded {
  subtitles: SubtitleInfo[];
  /** The tracks written under subs/, for the master playlist. */
  tracks: SubtitleTrack[];
  /** Tracks left out, each with why, for the job's message. */
  skipped: string[];
}

/**
 * Converts each track to WebVTT under outDir/subs/ and writes its playlist (writeMasterPlaylist
 * lists them). A track that cannot be read is skipped (never a failed job).
 */
export async function addSubtitles(
  ffmpeg: FfmpegRunner,
  opts: { outDir: string; jobId: string; files: readonly SubtitleFile[]; durationSec: number | null; signal: AbortSignal },
): Promise<SubtitlesAdded> {
  const { outDir, files } = opts;
  if (files.length === 0) return { subtitles: [], tracks: [], skipped: [] };
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
  return {
    subtitles: kept.map((t) => ({ lang: t.lang, name: t.name, url: mediaUrl(opts.jobId, hlsNames.subtitle(t.stem, 'vtt')) })),
    tracks: kept,
    skipped,
  };
}

/**
 * Writes outDir/master.m3u8 by the book (DESIGN §2.3) and returns it: per variant BANDWIDTH and
 * AVERAGE-BANDWIDTH measured from the segments on disk (sizes only: no probe), CODECS, RESOLUTION
 * and FRAME-RATE from the plan and the source's probe; the subtitle renditions listed.
 */
export async function writeMasterPlaylist(opts: {
  outDir: string;
  plan: TranscodePlan;
  streams: MediaStreams;
  encodedVideoCodecs: ReadonlyMap<number, string>;
  subtitles: readonly SubtitleTrack[];
}): Promise<string> {
  const hls = hlsFolder(opts.outDir);
  const count = opts.plan.kind === 'audio' ? 1 : opts.plan.renditions.length;
  const [variants, subtitles] = await Promise.all([
    Promise.all(Array.from({ length: count }, (_, i) => measureMediaPlaylist(hls.variantPlaylist(i)))),
    Promise.all(opts.subtitles.map((t) => measureMediaPlaylist(hls.subtitle(t.stem, 'm3u8')))),
  ]);
  const streams = variantStreams(opts.plan, opts.streams, { encodedVideoCodecs: opts.encodedVideoCodecs, variants, subtitles });
  const text = masterWithSubtitles(masterPlaylist(streams), opts.subtitles);
  await fs.writeFile(hls.master, text);
  return text;
}

/** The bit rates of a media playlist's segments, from their sizes on disk (URIs relative to it). */
async function measureMediaPlaylist(file: string): Promise<SegmentBitRates> {
  const { targetDurationSec, segments } = mediaPlaylistSegments(await fs.readFile(file, 'utf8'));
  const dir = path.dirname(file);
  const sized = await Promise.all(segments.map(async (s) => ({ durationSec: s.durationSec, bytes: (await fs.stat(path.join(dir, s.uri))).size })));
  return segmentBitRates(targetDurationSec, sized);
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
