import { fileNameFor, fileRemuxCommand } from './file-args';

describe('fileRemuxCommand', () => {
  it('copies every video and audio stream of the HLS into an MP4 with the index first, never encoding', () => {
    const { inputOptions, outputOptions } = fileRemuxCommand('video');
    expect(inputOptions.slice(-2)).toEqual(['-f', 'hls']);
    expect(inputOptions.join(' ')).toContain('-protocol_whitelist file -format_whitelist hls,mpegts');
    expect(outputOptions).toEqual(['-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4']);
    expect(outputOptions.join(' ')).not.toMatch(/libx264|-c:v (?!copy)|-b:v/);
  });

  it('writes M4A for audio jobs', () => {
    expect(fileRemuxCommand('audio').outputOptions.slice(-2)).toEqual(['-f', 'ipod']);
    expect(fileNameFor('audio')).toBe('file.m4a');
    expect(fileNameFor('video')).toBe('file.mp4');
  });
});
