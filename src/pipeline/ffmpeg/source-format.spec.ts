import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demuxerFor, looksLikeText } from './source-format';

describe('demuxerFor', () => {
  it.each([
    ['mov,mp4,m4a,3gp,3g2,mj2', 'mov'],
    ['matroska,webm', 'matroska'],
    ['mpegts', 'mpegts'],
    ['mp3', 'mp3'],
    ['hls', null], // a playlist pointing at other files
    ['concat', null],
    ['sdp', null],
    ['image2', null],
    [null, null],
  ])('%s → %s', (formatName, demuxer) => expect(demuxerFor(formatName)).toBe(demuxer));
});

describe('looksLikeText', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vidpipe-sniff-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('spots an HLS playlist and an ffconcat script saved under a video name', () => {
    expect(looksLikeText(Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:4.0,\nfile:///etc/passwd\n'))).toBe(true);
    expect(looksLikeText(Buffer.from("ffconcat version 1.0\nfile '/data/media/x/v0/seg_00000.ts'\n"))).toBe(true);
    expect(looksLikeText(Buffer.alloc(0))).toBe(true);
  });

  it('passes real media heads made by ffmpeg', () => {
    for (const [name, codec] of [['a.mp4', 'libx264'], ['a.webm', 'libvpx-vp9'], ['a.ts', 'libx264']] as const) {
      const file = path.join(dir, name);
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=5', '-t', '1', '-c:v', codec, '-y', file]);
      expect(looksLikeText(fs.readFileSync(file).subarray(0, 4096))).toBe(false);
    }
  });
});
