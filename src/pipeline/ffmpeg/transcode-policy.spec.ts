import type { JobFormat } from '../../jobs/job.types';
import { probed } from './fixtures/fixtures';
import { mediaStreamsFromFfprobe, MediaStreams } from './media-streams';
import { planTranscode, RenditionPlan, videoBitrateKbpsForHeight } from './transcode-policy';

const plan = (fixture: string, format: JobFormat) => planTranscode(mediaStreamsFromFfprobe(probed(fixture)), format);
const copy = (height: number, width: number, kbps: number): RenditionPlan => ({ height, width, copyVideo: true, videoBitrateKbps: kbps, maxrateKbps: null });
const encode = (height: number, width: number, kbps: number): RenditionPlan => ({ height, width, copyVideo: false, videoBitrateKbps: kbps, maxrateKbps: kbps * 1.5 });

describe('planTranscode on real probed files', () => {
  it('H.264 1080p, best: copies 1080 and encodes 720 and 360', () => {
    expect(plan('h264_1080p_mp4', 'best')).toEqual({
      kind: 'video',
      renditions: [copy(1080, 1920, 5416), encode(720, 1280, 2800), encode(360, 640, 800)],
      audio: 'copy',
    });
  });

  it('H.264 720p, best: never climbs above the source', () => {
    expect(plan('h264_720p_mp4', 'best')).toEqual({ kind: 'video', renditions: [copy(720, 1280, 2716), encode(360, 640, 800)], audio: 'copy' });
  });

  it('H.264 360p, best: only the copy', () => {
    expect(plan('h264_360p_mp4', 'best')).toEqual({ kind: 'video', renditions: [copy(360, 640, 665)], audio: 'copy' });
  });

  it.each<[JobFormat, RenditionPlan]>([
    ['1080p', copy(1080, 1920, 5416)],
    ['720p', encode(720, 1280, 2800)],
    ['480p', encode(480, 854, 1400)],
  ])('H.264 1080p, %s: one rendition at the cap', (format, rendition) => {
    expect(plan('h264_1080p_mp4', format)).toEqual({ kind: 'video', renditions: [rendition], audio: 'copy' });
  });

  it('a cap above the source keeps the source height (and copies it)', () => {
    expect(plan('h264_720p_mp4', '1080p')).toEqual({ kind: 'video', renditions: [copy(720, 1280, 2716)], audio: 'copy' });
  });

  it('copies H.264 out of MKV with its estimated bitrate, so ffmpeg lists the variant', () => {
    expect(plan('h264_720p_mkv', '720p')).toEqual({ kind: 'video', renditions: [copy(720, 1280, 2715)], audio: 'copy' });
  });

  it('VP9/Opus is always encoded (VP9 copied into .ts plays as nothing) and Opus becomes AAC', () => {
    expect(plan('vp9_opus_720p_webm', 'best')).toEqual({
      kind: 'video',
      renditions: [encode(720, 1280, 2800), encode(360, 640, 800)],
      audio: 'aac',
    });
  });

  it('HEVC and 4:4:4 H.264 are encoded even at the source height', () => {
    for (const fixture of ['hevc_720p_mp4', 'h264_yuv444p_720p_mp4']) {
      expect(plan(fixture, '720p')).toEqual({ kind: 'video', renditions: [encode(720, 1280, 2800)], audio: 'copy' });
    }
  });

  it('an odd source (854x481) gets even dimensions that keep the aspect', () => {
    expect(plan('odd_854x481_webm', 'best')).toEqual({
      kind: 'video',
      renditions: [encode(480, 852, 1400), encode(360, 640, 800)],
      audio: 'aac',
    });
  });

  it('video without audio: audio none', () => {
    expect(plan('video_only_720p_mp4', 'best')).toEqual({ kind: 'video', renditions: [copy(720, 1280, 2677), encode(360, 640, 800)], audio: 'none' });
  });

  it('audio format, or a file without video, plans one audio variant', () => {
    expect(plan('h264_1080p_mp4', 'audio')).toEqual({ kind: 'audio', renditions: [], audio: 'copy' });
    expect(plan('audio_m4a', 'best')).toEqual({ kind: 'audio', renditions: [], audio: 'copy' });
    expect(plan('audio_mp3', '720p')).toEqual({ kind: 'audio', renditions: [], audio: 'aac' });
    expect(plan('audio_cover_mp3', 'best')).toEqual({ kind: 'audio', renditions: [], audio: 'aac' });
  });

  it('not_video for a still image and for the audio format of a silent video', () => {
    expect(plan('jpeg_named_mp4', 'best')).toMatchObject({
      error: { code: 'not_video', message: 'The downloaded file has no video or audio stream that can be played.' },
    });
    expect(plan('video_only_720p_mp4', 'audio')).toMatchObject({
      error: { code: 'not_video', message: 'The downloaded file has no audio stream to keep for the audio-only format.' },
    });
  });
});

describe('planTranscode edge cases', () => {
  const h264 = (width: number, height: number): MediaStreams => ({
    durationSec: 10,
    video: { codec: 'h264', profile: 'High', level: 40, width, height, pixFmt: null, fps: 30, bitrate: null },
    audio: null,
    formatName: 'mpegts',
  });

  it('an unknown pixel format still copies; an unknown bitrate falls back to the height table', () => {
    expect(planTranscode(h264(1280, 720), '720p')).toEqual({ kind: 'video', renditions: [copy(720, 1280, 2800)], audio: 'none' });
  });

  it('best on 4K keeps at most three rungs: source, 720, 360', () => {
    const result = planTranscode(h264(3840, 2160), 'best');
    expect('renditions' in result && result.renditions.map((r) => [r.height, r.copyVideo])).toEqual([[2160, true], [720, false], [360, false]]);
  });

  it('copies only H.264 whose profile and level are known (the master declares them), else encodes', () => {
    const base = h264(1280, 720);
    const copied = (video: Partial<NonNullable<MediaStreams['video']>>) => {
      const result = planTranscode({ ...base, video: { ...base.video!, ...video } }, '720p');
      return 'renditions' in result && result.renditions[0].copyVideo;
    };
    expect(copied({ profile: 'Constrained Baseline', level: 30 })).toBe(true);
    expect(copied({ profile: null })).toBe(false);
    expect(copied({ level: null })).toBe(false);
    expect(copied({ profile: 'Some Future Profile' })).toBe(false);
  });

  it('copies AAC that browsers decode (LC, HE-AAC, HE-AACv2); other AAC kinds are encoded to AAC-LC', () => {
    const withAudio = (profile: string | null) => planTranscode({ ...h264(1280, 720), audio: { codec: 'aac', profile, channels: 2, bitrate: null } }, '720p');
    for (const profile of ['LC', 'HE-AAC', 'HE-AACv2']) expect(withAudio(profile)).toMatchObject({ audio: 'copy' });
    for (const profile of ['Main', 'LTP', null]) expect(withAudio(profile)).toMatchObject({ audio: 'aac' });
  });

  it('two rungs that round to the same even height collapse into one', () => {
    const vp9 = { ...h264(642, 361), video: { ...h264(642, 361).video!, codec: 'vp9' } };
    const result = planTranscode(vp9, 'best');
    expect('renditions' in result && result.renditions).toEqual([encode(360, 640, 800)]);
  });
});

describe('videoBitrateKbpsForHeight', () => {
  it('uses the table and interpolates between its rows', () => {
    expect([1080, 720, 480, 360, 540, 240, 144, 2160].map(videoBitrateKbpsForHeight)).toEqual([5000, 2800, 1400, 800, 1750, 450, 250, 14000]);
  });
});
