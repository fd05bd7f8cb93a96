import { failure, type KeyedJobError } from '../../jobs/job-messages';
import type { JobFormat } from '../../jobs/job.types';
import { isPlayableAac, videoCodecString } from './codecs';
import type { MediaStreams } from './media-streams';

/** One HLS variant: either the source video stream copied as it is, or an H.264 encode. */
export interface RenditionPlan {
  height: number;
  width: number;
  copyVideo: boolean;
  /** Encode: the target. Copy: the source's (measured or estimated), declared so ffmpeg lists the variant. */
  videoBitrateKbps: number | null;
  /** Encode only; null for a copy. */
  maxrateKbps: number | null;
}

export interface TranscodePlan {
  kind: 'video' | 'audio';
  renditions: RenditionPlan[];
  audio: 'copy' | 'aac' | 'none';
}

const FORMAT_HEIGHT_CAP: Partial<Record<JobFormat, number>> = { '1080p': 1080, '720p': 720, '480p': 480 };
const BEST_LOWER_RUNGS = [720, 360];
const MAX_RENDITIONS = 3;

// Target H.264 bitrates by height (kbps); heights in between are interpolated.
const BITRATE_ANCHORS: ReadonlyArray<[height: number, kbps: number]> = [
  [240, 450],
  [360, 800],
  [480, 1400],
  [720, 2800],
  [1080, 5000],
  [1440, 8000],
  [2160, 14000],
];
// Peak allowed over the target: keeps BANDWIDTH honest while letting hard scenes breathe.
const MAXRATE_FACTOR = 1.5;

/** Decides copy or encode per rendition, like immich's getTranscodeTarget over probed streams. */
export function planTranscode(streams: MediaStreams, format: JobFormat): TranscodePlan | { error: KeyedJobError } {
  const { video, audio } = streams;
  if (!video && !audio) {
    return notVideo('error.not_video.no_streams');
  }
  const audioPlan = !audio ? 'none' : isPlayableAac(audio) ? 'copy' : 'aac';

  if (format === 'audio' || !video) {
    if (!audio) return notVideo('error.not_video.no_audio');
    return { kind: 'audio', renditions: [], audio: audioPlan };
  }

  const heights = ladderHeights(video.height, format);
  const renditions = dedupeByHeight(heights.map((h) => rendition(video, h)));
  return { kind: 'video', renditions, audio: audioPlan };
}

/**
 * Only H.264 in 4:2:0 may be copied into MPEG-TS segments (VP9 in .ts plays as nothing), and only
 * with a known profile and level: the master playlist declares them (CODECS) for every variant.
 */
export function isVideoCopyable(video: NonNullable<MediaStreams['video']>): boolean {
  return video.codec === 'h264' && (video.pixFmt === null || video.pixFmt === 'yuv420p') && videoCodecString(video) !== null;
}

export function videoBitrateKbpsForHeight(height: number): number {
  const [firstH, firstKbps] = BITRATE_ANCHORS[0];
  if (height <= firstH) return Math.max(100, Math.round((firstKbps * height) / firstH / 50) * 50);
  for (let i = 1; i < BITRATE_ANCHORS.length; i++) {
    const [h0, k0] = BITRATE_ANCHORS[i - 1];
    const [h1, k1] = BITRATE_ANCHORS[i];
    if (height <= h1) return Math.round((k0 + ((k1 - k0) * (height - h0)) / (h1 - h0)) / 50) * 50;
  }
  const [lastH, lastKbps] = BITRATE_ANCHORS[BITRATE_ANCHORS.length - 1];
  return Math.round((lastKbps * height) / lastH / 50) * 50;
}

function ladderHeights(sourceHeight: number, format: JobFormat): number[] {
  const cap = FORMAT_HEIGHT_CAP[format];
  if (cap !== undefined) return [Math.min(cap, sourceHeight)];
  const lower = BEST_LOWER_RUNGS.filter((h) => h < sourceHeight);
  return [sourceHeight, ...lower].slice(0, MAX_RENDITIONS);
}

function rendition(video: NonNullable<MediaStreams['video']>, height: number): RenditionPlan {
  if (height === video.height && isVideoCopyable(video)) {
    // A copy still declares a bitrate: it becomes the variant's BANDWIDTH in master.m3u8.
    const kbps = video.bitrate !== null ? Math.round(video.bitrate / 1000) : videoBitrateKbpsForHeight(height);
    return { height, width: video.width, copyVideo: true, videoBitrateKbps: kbps, maxrateKbps: null };
  }
  // x264 with 4:2:0 refuses odd sizes, so round down to even (never above the source).
  const evenHeight = Math.max(2, height - (height % 2));
  const width = Math.max(2, Math.round((video.width * evenHeight) / video.height / 2) * 2);
  const kbps = videoBitrateKbpsForHeight(evenHeight);
  return { height: evenHeight, width, copyVideo: false, videoBitrateKbps: kbps, maxrateKbps: Math.round(kbps * MAXRATE_FACTOR) };
}

// An odd source (e.g. 361 rounding to 360) can collapse two rungs into one height.
function dedupeByHeight(renditions: RenditionPlan[]): RenditionPlan[] {
  const seen = new Set<number>();
  return renditions.filter((r) => (seen.has(r.height) ? false : (seen.add(r.height), true)));
}

function notVideo(key: 'error.not_video.no_streams' | 'error.not_video.no_audio'): { error: KeyedJobError } {
  return { error: failure('not_video', key) };
}
