import type { FfprobeData, FfprobeStream } from 'fluent-ffmpeg';

/** What the transcode policy needs to know about a downloaded file, read from ffprobe. */
export interface MediaStreams {
  durationSec: number | null;
  video: {
    codec: string;
    /** ffprobe's name of it ("High", "Constrained Baseline"…) and level_idc (31 for 3.1): its RFC 6381 string. */
    profile: string | null;
    level: number | null;
    width: number;
    height: number;
    pixFmt: string | null;
    fps: number | null;
    /** bits/s; estimated from the container's overall bitrate when the stream has none. */
    bitrate: number | null;
  } | null;
  /** profile: ffprobe's name of the AAC kind ("LC", "HE-AAC"…), null for codecs without one. */
  audio: { codec: string; profile: string | null; channels: number | null; bitrate: number | null } | null;
  formatName: string | null;
}

// Single-image demuxers (a JPEG saved as .mp4 probes as one mjpeg "video" stream): not a video.
const STILL_IMAGE_FORMAT = /^image2$|_pipe$/;
const ASSUMED_AUDIO_BITRATE = 128_000;

/**
 * Picks the first real video stream and the first audio stream, the same ones the HLS builder
 * maps with `0:V:0` and `0:a:0` (capital V skips attached pictures such as cover art).
 */
export function mediaStreamsFromFfprobe(data: FfprobeData): MediaStreams {
  const formatName = typeof data.format?.format_name === 'string' ? data.format.format_name : null;
  const streams = data.streams ?? [];
  const stillImage = formatName !== null && STILL_IMAGE_FORMAT.test(formatName);

  const video = stillImage ? undefined : streams.find(isPlayableVideo);
  const audio = streams.find((s) => s.codec_type === 'audio' && typeof s.codec_name === 'string');

  return {
    durationSec: positiveNumber(data.format?.duration) ?? longestStreamDuration(streams),
    video: video
      ? {
          codec: String(video.codec_name),
          profile: profileName(video.profile),
          level: positiveNumber(video.level),
          width: Number(video.width),
          height: Number(video.height),
          pixFmt: typeof video.pix_fmt === 'string' && video.pix_fmt !== 'unknown' ? video.pix_fmt : null,
          fps: frameRate(video.avg_frame_rate) ?? frameRate(video.r_frame_rate),
          bitrate: positiveNumber(video.bit_rate) ?? estimatedVideoBitrate(data, audio),
        }
      : null,
    audio: audio
      ? { codec: String(audio.codec_name), profile: profileName(audio.profile), channels: positiveNumber(audio.channels), bitrate: positiveNumber(audio.bit_rate) }
      : null,
    formatName,
  };
}

function isPlayableVideo(s: FfprobeStream): boolean {
  return (
    s.codec_type === 'video' &&
    typeof s.codec_name === 'string' &&
    s.disposition?.attached_pic !== 1 &&
    (positiveNumber(s.width) ?? 0) > 0 &&
    (positiveNumber(s.height) ?? 0) > 0
  );
}

// Matroska and MPEG-TS carry no per-stream bitrate; ffmpeg's HLS muxer then drops a copied variant from the master playlist.
function estimatedVideoBitrate(data: FfprobeData, audio: FfprobeStream | undefined): number | null {
  const total = positiveNumber(data.format?.bit_rate);
  if (total === null) return null;
  const audioBitrate = audio ? (positiveNumber(audio.bit_rate) ?? ASSUMED_AUDIO_BITRATE) : 0;
  return total > audioBitrate ? total - audioBitrate : null;
}

function longestStreamDuration(streams: FfprobeStream[]): number | null {
  const durations = streams.map((s) => positiveNumber(s.duration)).filter((d): d is number => d !== null);
  return durations.length ? Math.max(...durations) : null;
}

/** fluent-ffmpeg hands numbers over as numbers, unknown ones as the string "N/A". */
function positiveNumber(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** ffprobe says "unknown" (or nothing) when a codec has no profile. */
function profileName(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== 'unknown' ? value : null;
}

/** "30000/1001" → 29.97; "0/0" (audio, cover art) → null. */
function frameRate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const [num, den] = value.split('/').map(Number);
  const fps = den ? num / den : num;
  return Number.isFinite(fps) && fps > 0 && fps < 1000 ? Math.round(fps * 1000) / 1000 : null;
}
