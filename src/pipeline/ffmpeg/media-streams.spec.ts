import { probed } from './fixtures/fixtures';
import { mediaStreamsFromFfprobe, MediaStreams } from './media-streams';

const MP4 = 'mov,mp4,m4a,3gp,3g2,mj2';

describe('mediaStreamsFromFfprobe', () => {
  const cases: Array<[string, MediaStreams]> = [
    [
      'h264_1080p_mp4',
      {
        durationSec: 10,
        video: { codec: 'h264', profile: 'High', level: 40, width: 1920, height: 1080, pixFmt: 'yuv420p', fps: 30, bitrate: 5415784 },
        audio: { codec: 'aac', profile: 'LC', channels: 1, bitrate: 127393 },
        formatName: MP4,
      },
    ],
    [
      'h264_360p_mp4',
      {
        durationSec: 10,
        video: { codec: 'h264', profile: 'High', level: 30, width: 640, height: 360, pixFmt: 'yuv420p', fps: 25, bitrate: 664594 },
        audio: { codec: 'aac', profile: 'LC', channels: 1, bitrate: 96260 },
        formatName: MP4,
      },
    ],
    [
      // WebM has no per-stream bitrate: video = format bitrate 1173941 − an assumed 128k of audio.
      'vp9_opus_720p_webm',
      {
        durationSec: 10.008,
        video: { codec: 'vp9', profile: 'Profile 0', level: null, width: 1280, height: 720, pixFmt: 'yuv420p', fps: 30, bitrate: 1045941 },
        audio: { codec: 'opus', profile: null, channels: 1, bitrate: null },
        formatName: 'matroska,webm',
      },
    ],
    [
      'odd_854x481_webm',
      {
        durationSec: 10.008,
        video: { codec: 'vp9', profile: 'Profile 0', level: null, width: 854, height: 481, pixFmt: 'yuv420p', fps: 30, bitrate: 719656 },
        audio: { codec: 'opus', profile: null, channels: 1, bitrate: null },
        formatName: 'matroska,webm',
      },
    ],
    [
      'video_only_720p_mp4',
      {
        durationSec: 10,
        video: { codec: 'h264', profile: 'High', level: 31, width: 1280, height: 720, pixFmt: 'yuv420p', fps: 30, bitrate: 2677490 },
        audio: null,
        formatName: MP4,
      },
    ],
    ['audio_m4a', { durationSec: 10, video: null, audio: { codec: 'aac', profile: 'LC', channels: 1, bitrate: 127178 }, formatName: MP4 }],
    ['audio_mp3', { durationSec: 10.03102, video: null, audio: { codec: 'mp3', profile: null, channels: 1, bitrate: 128000 }, formatName: 'mp3' }],
    // ffprobe names no profile for MP3 ("unknown"). The embedded cover is an mjpeg "video" stream with disposition.attached_pic = 1.
    ['audio_cover_mp3', { durationSec: 10.03102, video: null, audio: { codec: 'mp3', profile: null, channels: 1, bitrate: 128000 }, formatName: 'mp3' }],
    // A JPEG saved as .mp4 probes fine, as one mjpeg frame in jpeg_pipe: that is no video.
    ['jpeg_named_mp4', { durationSec: null, video: null, audio: null, formatName: 'jpeg_pipe' }],
  ];

  it.each(cases)('reads %s', (name, expected) => {
    expect(mediaStreamsFromFfprobe(probed(name))).toEqual(expected);
  });

  it('estimates the video bitrate of an H.264 MKV, whose streams carry none', () => {
    const streams = mediaStreamsFromFfprobe(probed('h264_720p_mkv'));
    expect(streams.video).toMatchObject({ codec: 'h264', profile: 'High', level: 31, width: 1280, height: 720, bitrate: 2714997 });
    expect(streams.audio).toEqual({ codec: 'aac', profile: 'LC', channels: 1, bitrate: null });
  });

  it('keeps the real video when a cover picture comes first', () => {
    const data = probed('h264_720p_mp4');
    const cover = probed('audio_cover_mp3').streams[1];
    const streams = mediaStreamsFromFfprobe({ ...data, streams: [cover, ...data.streams] });
    expect(streams.video?.codec).toBe('h264');
  });

  it('falls back to the longest stream duration when the format has none', () => {
    const data = probed('h264_720p_mp4');
    const streams = mediaStreamsFromFfprobe({ ...data, format: { ...data.format, duration: 'N/A' as unknown as number } });
    expect(streams.durationSec).toBe(10);
  });
});
