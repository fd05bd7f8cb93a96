import { audioCodecString, isPlayableAac, variantCodecs, videoCodecString } from './codecs';
import { probed } from './fixtures/fixtures';
import { mediaStreamsFromFfprobe } from './media-streams';
import { planTranscode, TranscodePlan } from './transcode-policy';

const streamsOf = (fixture: string) => mediaStreamsFromFfprobe(probed(fixture));
const planOf = (fixture: string, format: 'best' | '720p' | 'audio'): TranscodePlan => {
  const plan = planTranscode(streamsOf(fixture), format);
  if ('error' in plan) throw new Error(plan.error.message);
  return plan;
};

describe('videoCodecString, on what ffprobe said of real files', () => {
  it.each([
    ['h264_1080p_mp4', 'avc1.640028'], // High, level 4.0
    ['h264_720p_mp4', 'avc1.64001f'], // High, level 3.1
    ['h264_360p_mp4', 'avc1.64001e'],
    // x264 --preset ultrafast: Baseline with constraint_set0+1, as the file's own avcC says (01 42 c0 1f).
    ['h264_cbaseline_720p_mp4', 'avc1.42c01f'],
    // x264 --profile main: constraint_set1, as its segments' SPS says (4d 40 1f).
    ['h264_main_aacmain_480p_mp4', 'avc1.4d401f'],
    ['h264_yuv444p_720p_mp4', 'avc1.f4001f'], // known, though 4:4:4 is never copied
    ['hevc_720p_mp4', null],
    ['vp9_opus_720p_webm', null],
  ])('%s → %s', (fixture, expected) => {
    expect(videoCodecString(streamsOf(fixture).video!)).toBe(expected);
  });

  it('null without a profile ffmpeg names or a level', () => {
    const video = { codec: 'h264', profile: 'High', level: 31 };
    expect(videoCodecString({ ...video, profile: null })).toBeNull();
    expect(videoCodecString({ ...video, profile: 'Progressive High' })).toBeNull();
    expect(videoCodecString({ ...video, level: null })).toBeNull();
    expect(videoCodecString({ ...video, level: 31.5 })).toBeNull();
  });

  it('an intra profile sets constraint_set3 (how ffmpeg names it "… Intra")', () => {
    expect(videoCodecString({ codec: 'h264', profile: 'High 10 Intra', level: 40 })).toBe('avc1.6e1028');
  });
});

describe('audioCodecString and isPlayableAac', () => {
  it('AAC-LC is mp4a.40.2; AAC Main (ffmpeg -profile:a aac_main) is mp4a.40.1, which browsers do not decode', () => {
    expect(audioCodecString(streamsOf('audio_m4a').audio!)).toBe('mp4a.40.2');
    expect(isPlayableAac(streamsOf('audio_m4a').audio!)).toBe(true);
    const main = streamsOf('h264_main_aacmain_480p_mp4').audio!;
    expect(main.profile).toBe('Main');
    expect(audioCodecString(main)).toBe('mp4a.40.1');
    expect(isPlayableAac(main)).toBe(false);
  });

  it('HE-AAC and HE-AACv2 are object types 5 and 29; MP3 and Opus are not AAC', () => {
    expect(audioCodecString({ codec: 'aac', profile: 'HE-AAC' })).toBe('mp4a.40.5');
    expect(audioCodecString({ codec: 'aac', profile: 'HE-AACv2' })).toBe('mp4a.40.29');
    expect(audioCodecString(streamsOf('audio_mp3').audio!)).toBeNull();
    expect(audioCodecString(streamsOf('vp9_opus_720p_webm').audio!)).toBeNull();
  });
});

describe('variantCodecs', () => {
  it('a copied rung from the probe, an encoded one from what ffmpeg read of x264, AAC copied', () => {
    const plan = planOf('h264_cbaseline_720p_mp4', 'best');
    const streams = streamsOf('h264_cbaseline_720p_mp4');
    expect(plan.renditions.map((r) => r.copyVideo)).toEqual([true, false]);
    expect(variantCodecs(plan, streams, 0, null)).toBe('avc1.42c01f,mp4a.40.2');
    expect(variantCodecs(plan, streams, 1, 'avc1.64001e')).toBe('avc1.64001e,mp4a.40.2');
  });

  it('AAC Main is encoded to AAC-LC, and declared so', () => {
    const plan = planOf('h264_main_aacmain_480p_mp4', 'best');
    expect(plan.audio).toBe('aac');
    expect(variantCodecs(plan, streamsOf('h264_main_aacmain_480p_mp4'), 0, null)).toBe('avc1.4d401f,mp4a.40.2');
  });

  it('null rather than a partial list when an encoded rung has no codec from ffmpeg', () => {
    expect(variantCodecs(planOf('vp9_opus_720p_webm', 'best'), streamsOf('vp9_opus_720p_webm'), 1, null)).toBeNull();
  });

  it('video without audio, and audio only (copied AAC, or MP3 encoded to AAC-LC)', () => {
    expect(variantCodecs(planOf('video_only_720p_mp4', 'best'), streamsOf('video_only_720p_mp4'), 0, null)).toBe('avc1.64001f');
    expect(variantCodecs(planOf('audio_m4a', 'best'), streamsOf('audio_m4a'), 0, null)).toBe('mp4a.40.2');
    expect(variantCodecs(planOf('audio_mp3', 'best'), streamsOf('audio_mp3'), 0, null)).toBe('mp4a.40.2');
    expect(variantCodecs(planOf('h264_1080p_mp4', 'audio'), streamsOf('h264_1080p_mp4'), 0, null)).toBe('mp4a.40.2');
  });
});
