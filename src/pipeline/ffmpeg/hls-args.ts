import { hlsNames, MASTER_PLAYLIST_NAME } from '../../jobs/job-paths';
import type { RenditionPlan, TranscodePlan } from './transcode-policy';

export interface FfmpegArgs {
  inputOptions: string[];
  outputOptions: string[];
}

const AUDIO_BITRATE = '128k';
// A copied stream runs ahead of x264's lookahead in the same run; headroom against "Too many packets buffered".
const MAX_MUXING_QUEUE = '4096';

/**
 * Global options for every run. Progress goes to stdout (pipe:1), never stderr: fluent-ffmpeg
 * builds its error message from the last stderr lines and keeps only 100 of them, so progress
 * blocks there would bury the real error. Read stdout from `command.ffmpegProc.stdout` in the
 * 'start' event, line by line. Pass arrays spread (`.outputOptions(...opts)`): given one array,
 * fluent-ffmpeg splits any element with exactly one space in two (var_stream_map, paths).
 */
const GLOBAL_OPTIONS = ['-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1'];

/** Which variants one run writes, and how its playlists grow. Absent: every variant, one VOD run. */
export interface HlsRunPart {
  /** Indices into plan.renditions; their folders keep the index (v<N>) whatever run writes them. */
  indices: number[];
  /** This run's own master playlist name (read for its codecs with videoCodecsInMasters, then removed). */
  masterName: string;
  /** `event`: the playlist is rewritten after each segment, so it can be played while it grows. */
  playlistType: 'vod' | 'event';
}

/**
 * One ffmpeg run writing outDir/master.m3u8 and, per variant, outDir/v<N>/index.m3u8 with
 * MPEG-TS segments outDir/v<N>/seg_00000.ts…; variant N is plan.renditions[N] (v0 for audio).
 * With `part`, only those variants (keyframes stay those of the whole plan, so runs align).
 */
export function hlsCommand(
  plan: TranscodePlan,
  opts: { outDir: string; segmentSeconds: number; part?: HlsRunPart },
): FfmpegArgs & { output: string } {
  const outDir = opts.outDir.replace(/\/+$/, '');
  const part = opts.part;
  const indices = part?.indices ?? (plan.kind === 'audio' ? [0] : plan.renditions.map((_, i) => i));
  const streamOptions = plan.kind === 'audio' ? audioOnlyOptions(plan) : ladderOptions(plan, indices, opts.segmentSeconds);
  return {
    inputOptions: [...GLOBAL_OPTIONS],
    outputOptions: [
      ...streamOptions,
      '-max_muxing_queue_size', MAX_MUXING_QUEUE,
      '-f', 'hls',
      '-hls_time', String(opts.segmentSeconds),
      '-hls_playlist_type', part?.playlistType ?? 'vod',
      '-hls_flags', 'independent_segments',
      '-hls_segment_type', 'mpegts',
      '-hls_segment_filename', `${outDir}/${hlsNames.segmentPattern('%v')}`,
      '-master_pl_name', part?.masterName ?? MASTER_PLAYLIST_NAME,
      '-var_stream_map', variantStreamMap(plan, part ? indices : null),
    ],
    output: `${outDir}/${hlsNames.variantPlaylist('%v')}`,
  };
}

/**
 * The variant people watch first: the one closest to 720p (the top one when none is above).
 * Pure; an index into plan.renditions (0 for audio).
 */
export function watchFirstIndex(plan: TranscodePlan): number {
  let best = 0;
  plan.renditions.forEach((r, i) => {
    if (Math.abs(r.height - 720) < Math.abs(plan.renditions[best].height - 720)) best = i;
  });
  return best;
}

/** Pure: the finished EVENT playlist as the VOD it now is (ffmpeg already appended ENDLIST). */
export function eventPlaylistAsVod(text: string): string {
  return text.replace('#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-PLAYLIST-TYPE:VOD');
}

/**
 * One JPEG frame of the real video (never cover art) at atSec, scaled to an even height not above
 * `height`. Past the end ffmpeg exits 0 and writes nothing: keep atSec inside the duration and
 * check that the file exists. The caller names the .jpg output.
 */
export function posterCommand(opts: { atSec: number; height: number }): FfmpegArgs {
  const height = Math.max(2, Math.floor(opts.height / 2) * 2);
  return {
    // -ss before -i seeks by index first, then decodes only up to the exact frame.
    inputOptions: ['-hide_banner', '-loglevel', 'warning', '-ss', Math.max(0, opts.atSec).toFixed(3)],
    outputOptions: ['-map', '0:V:0', '-frames:v', '1', '-vf', `scale=-2:${height}`, '-q:v', '3', '-update', '1', '-f', 'image2'],
  };
}

function ladderOptions(plan: TranscodePlan, indices: number[], segmentSeconds: number): string[] {
  const hasAudio = plan.audio !== 'none';
  // Encoded rungs follow the copied rung's keyframes so every variant cuts segments at the same times.
  const keyframes = plan.renditions.some((r) => r.copyVideo) ? 'source' : `expr:gte(t,n_forced*${segmentSeconds})`;
  const rungs = indices.map((i) => plan.renditions[i]);
  const maps = rungs.map(() => ['-map', '0:V:0']).flat();
  const audioMaps = hasAudio ? rungs.map(() => ['-map', '0:a:0']).flat() : [];
  const videoCodecs = rungs.map((r, i) => videoStreamOptions(r, i, keyframes)).flat();
  return [...maps, ...audioMaps, ...videoCodecs, ...audioCodecOptions(plan.audio)];
}

function videoStreamOptions(r: RenditionPlan, i: number, keyframes: string): string[] {
  // Without a known bitrate ffmpeg leaves a copied variant out of its run's master (MKV and TS sources).
  if (r.copyVideo) return [`-c:v:${i}`, 'copy', ...(r.videoBitrateKbps ? [`-b:v:${i}`, `${r.videoBitrateKbps}k`] : [])];
  const kbps = r.videoBitrateKbps ?? 2800;
  const maxrate = r.maxrateKbps ?? kbps;
  return [
    `-c:v:${i}`, 'libx264',
    `-filter:v:${i}`, `scale=${r.width}:${r.height}`,
    // Browsers decode 8-bit 4:2:0 only; 10-bit or 4:4:4 sources would otherwise stay as they are.
    `-pix_fmt:v:${i}`, 'yuv420p',
    `-preset:v:${i}`, 'veryfast',
    `-b:v:${i}`, `${kbps}k`,
    `-maxrate:v:${i}`, `${maxrate}k`,
    `-bufsize:v:${i}`, `${maxrate * 2}k`,
    `-force_key_frames:v:${i}`, keyframes,
  ];
}

function audioOnlyOptions(plan: TranscodePlan): string[] {
  return ['-map', '0:a:0', ...audioCodecOptions(plan.audio === 'none' ? 'aac' : plan.audio)];
}

function audioCodecOptions(audio: TranscodePlan['audio']): string[] {
  if (audio === 'none') return [];
  // On a copy, -b:a only declares the bitrate for BANDWIDTH (same reason as the video copy).
  return audio === 'copy' ? ['-c:a', 'copy', '-b:a', AUDIO_BITRATE] : ['-c:a', 'aac', '-b:a', AUDIO_BITRATE];
}

/** `names`: the folder index of each stream of this run (name:N makes %v expand to N). */
function variantStreamMap(plan: TranscodePlan, names: number[] | null): string {
  if (plan.kind === 'audio') return names ? 'a:0,name:0' : 'a:0';
  const withAudio = plan.audio !== 'none';
  const count = names?.length ?? plan.renditions.length;
  return Array.from({ length: count }, (_, i) => {
    const streams = withAudio ? `v:${i},a:${i}` : `v:${i}`;
    return names ? `${streams},name:${names[i]}` : streams;
  }).join(' ');
}
