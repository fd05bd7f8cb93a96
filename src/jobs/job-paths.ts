// Every path of a job, and nothing else builds them (DESIGN §2.2 "Job paths"). Pure: roots in,
// paths out. Two trees: the work tree (`WORK_DIR`, a worker's own scratch space: attempts, the
// transcode's HLS folder, private folders, subscription runs) and the media tree (`MEDIA_DIR`,
// one published HLS folder per job). Names inside an HLS folder are relative, so the same names
// are the tails of its `/media/<id>/…` URLs (and of its object keys, §2.4).
import path from 'node:path';
import type { AppConfig } from '../config/config';

export type JobPathRoots = Pick<AppConfig, 'workDir' | 'mediaDir'>;

export const MASTER_PLAYLIST_NAME = 'master.m3u8';
export const POSTER_NAME = 'poster.jpg';
/** Subtitle renditions: `subs/<stem>.vtt` and its playlist `subs/<stem>.m3u8`. */
export const SUBTITLES_DIR = 'subs';
/** The downloadable file: `file.mp4` (audio: `file.m4a`). */
export const FILE_BASENAME = 'file';
/** `/media/<id>/preview/…`: the transcode's HLS folder while it writes (the published folder never holds this name). */
export const PREVIEW_DIR = 'preview';
/** A run's private folder (0700, the owner's cookies): `<run folder>/private`. */
export const PRIVATE_DIR = 'private';
/** `<workDir>/subscriptions/<subId>/<runId>`: a subscription check's own run folder. */
export const SUBSCRIPTIONS_DIR = 'subscriptions';
/** The transcode writes here, inside the attempt's folder, and publishes it with one rename. */
const HLS_DIR = 'hls';

/** A variant number, or ffmpeg's `%v` in its output patterns. */
type Variant = number | '%v';

/** Paths inside an HLS folder, relative to it (`/` separated: also URL tails). */
export const hlsNames = {
  master: MASTER_PLAYLIST_NAME,
  /** One ffmpeg run's own master (the ladder runs in two), read for the codecs ffmpeg found, then removed. */
  runMaster: (run: 'first' | 'rest'): string => `master-${run}.m3u8`,
  poster: POSTER_NAME,
  /** Variant N's media playlist; variant 0 is the tallest. */
  variantPlaylist: (variant: Variant): string => `v${variant}/index.m3u8`,
  /** ffmpeg's segment pattern for variant N (`-hls_segment_filename`). */
  segmentPattern: (variant: Variant): string => `v${variant}/seg_%05d.ts`,
  /** The first segment `segmentPattern` writes. */
  firstSegment: (variant: number): string => `v${variant}/seg_00000.ts`,
  /** A subtitle file's name inside SUBTITLES_DIR (what its own playlist refers to). */
  subtitleFileName: (stem: string, ext: 'vtt' | 'm3u8'): string => `${stem}.${ext}`,
  subtitle: (stem: string, ext: 'vtt' | 'm3u8'): string => `${SUBTITLES_DIR}/${stem}.${ext}`,
  file: (ext: string): string => `${FILE_BASENAME}.${ext}`,
} as const;

/** Absolute paths inside one HLS folder (the attempt's while it transcodes, the media folder once published). */
export function hlsFolder(dir: string) {
  const at = (relative: string) => path.join(dir, relative);
  return {
    dir,
    master: at(hlsNames.master),
    poster: at(hlsNames.poster),
    variantPlaylist: (variant: number) => at(hlsNames.variantPlaylist(variant)),
    firstSegment: (variant: number) => at(hlsNames.firstSegment(variant)),
    subtitles: at(SUBTITLES_DIR),
    subtitle: (stem: string, ext: 'vtt' | 'm3u8') => at(hlsNames.subtitle(stem, ext)),
    file: (ext: string) => at(hlsNames.file(ext)),
  };
}
export type HlsFolder = ReturnType<typeof hlsFolder>;

/** The private folder of a run folder (a job's attempt folder or a subscription run's). */
export const privateFolderIn = (runDir: string): string => path.join(runDir, PRIVATE_DIR);

/** `a3` → 3; null for a name that is not an attempt folder's. */
export function attemptOfFolderName(name: string): number | null {
  return /^a\d+$/.test(name) ? Number(name.slice(1)) : null;
}

/** The work tree: scratch space of one worker (never shared, §2.4). */
export function workPaths(workDir: string) {
  const work = (jobId: string) => path.join(workDir, jobId);
  // Per attempt, so an old attempt still cleaning up can never touch a retry's files.
  const attempt = (jobId: string, n: number) => path.join(work(jobId), `a${n}`);
  const subscription = (subId: string) => path.join(workDir, SUBSCRIPTIONS_DIR, subId);
  return {
    /** `<workDir>/<jobId>`: holds the attempts' folders; removed once empty. */
    work,
    /** `<workDir>/<jobId>/a<n>`: the source and subtitles yt-dlp downloads, and the transcode's HLS folder. */
    attempt,
    /** `<attempt>/private`: the owner's cookies while yt-dlp runs. */
    private: (jobId: string, n: number) => privateFolderIn(attempt(jobId, n)),
    /** `<attempt>/hls`: what the transcode writes, served as `/media/<id>/preview/…` while it does. */
    hls: (jobId: string, n: number) => path.join(attempt(jobId, n), HLS_DIR),
    /** `<workDir>/subscriptions`: every subscription's run folders. */
    subscriptions: path.join(workDir, SUBSCRIPTIONS_DIR),
    /** `<workDir>/subscriptions/<subId>`: removed once empty. */
    subscription,
    /** `<workDir>/subscriptions/<subId>/<runId>`: one check's own folder (two checks may run at once). */
    subscriptionRun: (subId: string, runId: string) => path.join(subscription(subId), runId),
  };
}

/** The media tree: one published HLS folder per job. */
export function mediaPaths(mediaDir: string) {
  return {
    /** `<mediaDir>/<jobId>`: the published HLS folder (hlsFolder for the files in it). */
    media: (jobId: string) => path.join(mediaDir, jobId),
  };
}

/** Both trees, from the config (or anything with its two roots). */
export function jobPaths(roots: JobPathRoots) {
  return { ...workPaths(roots.workDir), ...mediaPaths(roots.mediaDir) };
}
export type JobPaths = ReturnType<typeof jobPaths>;

/** `/media/<id>/<relative>`: a file of the published folder, as the media route serves it. */
export const mediaUrl = (jobId: string, relative: string): string => `/media/${jobId}/${relative}`;

/** `/media/<id>/preview/<relative>`: a file of the attempt's HLS folder while it transcodes. */
export const previewUrl = (jobId: string, relative: string): string => mediaUrl(jobId, `${PREVIEW_DIR}/${relative}`);
