import type { RenditionPlan, TranscodePlan } from './transcode-policy';

export interface FfmpegArgs {
  inputOptions: string[];
  outputOptions: string[];
}

export const MASTER_PLAYLIST_NAME = 'master.m3u8';
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

/**
 * One ffmpeg run writing outDir/master.m3u8 and, per variant, outDir/v<N>/index.m3u8 with
 * MPEG-TS segments outDir/v<N>/seg_00000.ts…; variant N is plan.renditions[N] (v0 for audio).
 */
export function hlsCommand(
  plan: TranscodePlan,
  opts: { outDir: string; segmentSeconds: number },
): FfmpegArgs & { output: string } {
  const outDir = opts.outDir.replace(/\/+$/, '');
  const streamOptions = plan.kind === 'audio' ? audioOnlyOptions(plan) : ladderOptions(plan, opts.segmentSeconds);
  return {
    inputOptions: [...GLOBAL_OPTIONS],
    outputOptions: [
      ...streamOptions,
      '-max_muxing_queue_size', MAX_MUXING_QUEUE,
      '-f', 'hls',
      '-hls_time', String(opts.segmentSeconds),
      '-hls_playlist_type', 'vod',
      '-hls_flags', 'independent_segments',
      '-hls_segment_type', 'mpegts',
      '-hls_segment_filename', `${outDir}/v%v/seg_%05d.ts`,
      '-master_pl_name', MASTER_PLAYLIST_NAME,
      '-var_stream_map', variantStreamMap(plan),
    ],
    output: `${outDir}/v%v/index.m3u8`,
  };
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

function ladderOptions(plan: TranscodePlan, segmentSeconds: number): string[] {
  const hasAudio = plan.audio !== 'none';
  // Encoded rungs follow the copied rung's keyframes so every variant cuts segments at the same times.
  const keyframes = plan.renditions.some((r) => r.copyVideo) ? 'source' : `expr:gte(t,n_forced*${segmentSeconds})`;
  const maps = plan.renditions.map(() => ['-map', '0:V:0']).flat();
  const audioMaps = hasAudio ? plan.renditions.map(() => ['-map', '0:a:0']).flat() : [];
  const videoCodecs = plan.renditions.map((r, i) => videoStreamOptions(r, i, keyframes)).flat();
  return [...maps, ...audioMaps, ...videoCodecs, ...audioCodecOptions(plan.audio)];
}

function videoStreamOptions(r: RenditionPlan, i: number, keyframes: string): string[] {
  // Without a known bitrate ffmpeg leaves a copied variant out of master.m3u8 (MKV and TS sources).
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

function variantStreamMap(plan: TranscodePlan): string {
  if (plan.kind === 'audio') return 'a:0';
  const withAudio = plan.audio !== 'none';
  return plan.renditions.map((_, i) => (withAudio ? `v:${i},a:${i}` : `v:${i}`)).join(' ');
}
