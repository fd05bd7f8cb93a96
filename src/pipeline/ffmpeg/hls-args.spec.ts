import ffmpeg from 'fluent-ffmpeg';
import { probed } from './fixtures/fixtures';
import { hlsCommand, posterCommand } from './hls-args';
import { mediaStreamsFromFfprobe } from './media-streams';
import { planTranscode, TranscodePlan } from './transcode-policy';

const planFor = (fixture: string, format: 'best' | '720p' | 'audio'): TranscodePlan => {
  const plan = planTranscode(mediaStreamsFromFfprobe(probed(fixture)), format);
  if ('error' in plan) throw new Error(plan.error.message);
  return plan;
};
const GLOBAL = ['-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1'];
const hlsTail = (dir: string, streamMap: string) => [
  '-max_muxing_queue_size', '4096',
  '-f', 'hls',
  '-hls_time', '4',
  '-hls_playlist_type', 'vod',
  '-hls_flags', 'independent_segments',
  '-hls_segment_type', 'mpegts',
  '-hls_segment_filename', `${dir}/v%v/seg_%05d.ts`,
  '-master_pl_name', 'master.m3u8',
  '-var_stream_map', streamMap,
];

describe('hlsCommand', () => {
  it('H.264 1080p ladder: copy v0, encode v1/v2 on the source keyframes, audio in every variant', () => {
    const cmd = hlsCommand(planFor('h264_1080p_mp4', 'best'), { outDir: '/media/j1/', segmentSeconds: 4 });
    expect(cmd.inputOptions).toEqual(GLOBAL);
    expect(cmd.output).toBe('/media/j1/v%v/index.m3u8');
    expect(cmd.outputOptions).toEqual([
      '-map', '0:V:0', '-map', '0:V:0', '-map', '0:V:0',
      '-map', '0:a:0', '-map', '0:a:0', '-map', '0:a:0',
      '-c:v:0', 'copy', '-b:v:0', '5416k',
      '-c:v:1', 'libx264', '-filter:v:1', 'scale=1280:720', '-pix_fmt:v:1', 'yuv420p', '-preset:v:1', 'veryfast',
      '-b:v:1', '2800k', '-maxrate:v:1', '4200k', '-bufsize:v:1', '8400k', '-force_key_frames:v:1', 'source',
      '-c:v:2', 'libx264', '-filter:v:2', 'scale=640:360', '-pix_fmt:v:2', 'yuv420p', '-preset:v:2', 'veryfast',
      '-b:v:2', '800k', '-maxrate:v:2', '1200k', '-bufsize:v:2', '2400k', '-force_key_frames:v:2', 'source',
      '-c:a', 'copy', '-b:a', '128k',
      ...hlsTail('/media/j1', 'v:0,a:0 v:1,a:1 v:2,a:2'),
    ]);
  });

  it('all-encoded ladder (VP9): keyframes forced every segment, Opus to AAC', () => {
    const cmd = hlsCommand(planFor('vp9_opus_720p_webm', 'best'), { outDir: '/m', segmentSeconds: 6 });
    expect(cmd.outputOptions).toContain('expr:gte(t,n_forced*6)');
    expect(cmd.outputOptions).not.toContain('source');
    expect(cmd.outputOptions).not.toContain('copy');
    expect(cmd.outputOptions.slice(cmd.outputOptions.indexOf('-c:a'), cmd.outputOptions.indexOf('-c:a') + 4)).toEqual(['-c:a', 'aac', '-b:a', '128k']);
    expect(cmd.outputOptions.at(-1)).toBe('v:0,a:0 v:1,a:1');
  });

  it('video without audio maps no audio', () => {
    const { outputOptions } = hlsCommand(planFor('video_only_720p_mp4', 'best'), { outDir: '/m', segmentSeconds: 4 });
    expect(outputOptions.filter((o) => o.startsWith('0:'))).toEqual(['0:V:0', '0:V:0']);
    expect(outputOptions).not.toContain('-c:a');
    expect(outputOptions.at(-1)).toBe('v:0 v:1');
  });

  it('audio only: one AAC variant', () => {
    const cmd = hlsCommand(planFor('audio_mp3', 'best'), { outDir: '/m', segmentSeconds: 4 });
    expect(cmd.outputOptions).toEqual(['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', ...hlsTail('/m', 'a:0')]);
    expect(cmd.output).toBe('/m/v%v/index.m3u8');
  });

  // fluent-ffmpeg 2.1.3 splits any element with exactly one space when given a single array.
  it('survives fluent-ffmpeg only when spread', () => {
    const cmd = hlsCommand(planFor('h264_720p_mp4', 'best'), { outDir: '/my media', segmentSeconds: 4 });
    const argsOf = (command: ffmpeg.FfmpegCommand) => (command as unknown as { _getArguments(): string[] })._getArguments();
    const spread = argsOf(ffmpeg('in.mp4').inputOptions(...cmd.inputOptions).outputOptions(...cmd.outputOptions).output(cmd.output));
    expect(spread).toEqual(['-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1', '-i', 'in.mp4', '-y', ...cmd.outputOptions, cmd.output]);
    const asArray = argsOf(ffmpeg('in.mp4').inputOptions(cmd.inputOptions).outputOptions(cmd.outputOptions).output(cmd.output));
    expect(asArray).toContain('v:1,a:1');
    expect(asArray).not.toContain('v:0,a:0 v:1,a:1');
  });
});

describe('posterCommand', () => {
  it('seeks before the input and writes one even-sized JPEG frame of the real video', () => {
    expect(posterCommand({ atSec: 3.3333333, height: 481 })).toEqual({
      inputOptions: ['-hide_banner', '-loglevel', 'warning', '-ss', '3.333'],
      outputOptions: ['-map', '0:V:0', '-frames:v', '1', '-vf', 'scale=-2:480', '-q:v', '3', '-update', '1', '-f', 'image2'],
    });
  });
});
