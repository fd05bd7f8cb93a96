// The probe's facts from the download run itself, read from real yt-dlp 2023.03.04 output (fixtures/README.md, "One run").
import fs from 'node:fs';
import path from 'node:path';
import { looksLikeDirectMedia, withProbeInfo, ytdlpDownloadArgs } from './ytdlp-args';
import { infoFromLine } from './ytdlp-probe';

const fixtures = path.join(__dirname, 'fixtures');
const captures = JSON.parse(fs.readFileSync(path.join(fixtures, 'one-run-captures.json'), 'utf8'));
const linesOf = (name: string) => fs.readFileSync(path.join(fixtures, `${name}.stdout.txt`), 'utf8').split('\n');

describe('withProbeInfo', () => {
  it('is what the captures ran (recapture when it changes)', () => {
    for (const [name, capture] of Object.entries<any>(captures)) {
      const url = capture.command[capture.command.length - 1];
      expect(['yt-dlp', ...withProbeInfo(ytdlpDownloadArgs({ url, format: 'best', outputDir: `/tmp/vidpipe-fixtures/${name}` }))]).toEqual(capture.command);
    }
  });

  it('keeps `-- URL` last and never simulates', () => {
    const args = withProbeInfo(ytdlpDownloadArgs({ url: '--exec=x', format: 'best', outputDir: '/w' }));
    expect(args.slice(-2)).toEqual(['--', '--exec=x']);
    expect(args).toContain('--no-simulate');
  });

  it('downloaded the file in the same run that described it', () => {
    for (const capture of Object.values<any>(captures)) {
      expect(capture.exitCode).toBe(0);
      expect(capture.filesAfter).toEqual(['source.mp4']);
    }
  });
});

describe('infoFromLine', () => {
  it('reads a direct file: its name as the title, no duration (ffprobe finds it later), not live', () => {
    const infos = linesOf('one-run-direct-mp4').map(infoFromLine).filter(Boolean);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ title: 'small', durationSec: null, isLive: false, extractor: 'generic' });
  });

  it('reads a page the way the -J probe does (the html5 "(1)" suffix dropped), first, before any progress', () => {
    const lines = linesOf('one-run-page');
    expect(infoFromLine(lines[0])).toMatchObject({ title: 'Loopback test clip', extractor: 'html5', isLive: false });
    expect(lines.filter((l) => infoFromLine(l) !== null)).toHaveLength(1);
  });

  it('ignores every other line', () => {
    expect(infoFromLine('[vidpipe-progress] {"status": "downloading"}')).toBeNull();
    expect(infoFromLine('[vidpipe-info] not json')).toBeNull();
  });
});

describe('looksLikeDirectMedia (one run, no listing first)', () => {
  it('takes links to media files and manifests, whatever the query', () => {
    expect(looksLikeDirectMedia('http://127.0.0.1:8765/clip.mp4')).toBe(true);
    expect(looksLikeDirectMedia('https://cdn.example/v/x.WEBM?sig=1')).toBe(true);
    expect(looksLikeDirectMedia('http://h/hls/index.m3u8')).toBe(true);
  });

  it('lists pages and anything else first (they may be playlists)', () => {
    expect(looksLikeDirectMedia('http://127.0.0.1:8765/page.html')).toBe(false);
    expect(looksLikeDirectMedia('https://example.com/watch?v=mp4')).toBe(false);
    expect(looksLikeDirectMedia('not a url.mp4')).toBe(false);
  });
});
