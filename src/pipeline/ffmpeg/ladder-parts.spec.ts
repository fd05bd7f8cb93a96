import { eventPlaylistAsVod, hlsCommand, watchFirstIndex } from './hls-args';
import type { RenditionPlan, TranscodePlan } from './transcode-policy';

const rung = (height: number, copyVideo = false): RenditionPlan => ({
  height, width: Math.round((height * 16) / 9), copyVideo, videoBitrateKbps: 1000, maxrateKbps: copyVideo ? null : 1500,
});
const video = (...renditions: RenditionPlan[]): TranscodePlan => ({ kind: 'video', renditions, audio: 'aac' });
const opt = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe('watchFirstIndex (the variant the preview shows)', () => {
  it('takes the rung closest to 720p, else the top one', () => {
    expect(watchFirstIndex(video(rung(1080), rung(720), rung(360)))).toBe(1);
    expect(watchFirstIndex(video(rung(2160), rung(1080), rung(360)))).toBe(1);
    expect(watchFirstIndex(video(rung(480), rung(360)))).toBe(0);
    expect(watchFirstIndex({ kind: 'audio', renditions: [], audio: 'aac' })).toBe(0);
  });
});

describe('hlsCommand for one part of the ladder', () => {
  const plan = video(rung(1080), rung(720), rung(360));
  const first = hlsCommand(plan, { outDir: '/o', segmentSeconds: 4, part: { indices: [1], masterName: 'm1.m3u8', playlistType: 'event' } });
  const rest = hlsCommand(plan, { outDir: '/o', segmentSeconds: 4, part: { indices: [0, 2], masterName: 'm2.m3u8', playlistType: 'vod' } });

  it('keeps each variant in its own folder (v<index>) whatever run writes it', () => {
    expect(opt(first.outputOptions, '-var_stream_map')).toBe('v:0,a:0,name:1');
    expect(opt(rest.outputOptions, '-var_stream_map')).toBe('v:0,a:0,name:0 v:1,a:1,name:2');
  });

  it('writes the preview variant as a growing EVENT playlist and the rest as VOD, each with its own master', () => {
    expect(opt(first.outputOptions, '-hls_playlist_type')).toBe('event');
    expect(opt(rest.outputOptions, '-hls_playlist_type')).toBe('vod');
    expect(opt(first.outputOptions, '-master_pl_name')).toBe('m1.m3u8');
  });

  it('encodes each run only its own rungs, with the same keyframe rule (aligned segments across runs)', () => {
    expect(opt(first.outputOptions, '-filter:v:0')).toBe('scale=1280:720');
    expect(opt(rest.outputOptions, '-filter:v:1')).toBe('scale=640:360');
    expect(opt(first.outputOptions, '-force_key_frames:v:0')).toBe(opt(rest.outputOptions, '-force_key_frames:v:1'));
    expect(first.outputOptions).not.toContain('-c:v:1');
  });

  it('follows the source keyframes in every run when any rung is copied', () => {
    const copied = video(rung(720, true), rung(360));
    const part = hlsCommand(copied, { outDir: '/o', segmentSeconds: 4, part: { indices: [1], masterName: 'm.m3u8', playlistType: 'vod' } });
    expect(opt(part.outputOptions, '-force_key_frames:v:0')).toBe('source');
  });
});

describe('eventPlaylistAsVod', () => {
  it('turns the finished EVENT playlist into a VOD one, segments untouched', () => {
    const event = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4.000000,\nseg_00000.ts\n#EXT-X-ENDLIST\n';
    expect(eventPlaylistAsVod(event)).toBe(event.replace('EVENT', 'VOD'));
  });
});
