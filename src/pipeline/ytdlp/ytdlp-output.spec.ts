import { readFileSync } from 'fs';
import { join } from 'path';
import { downloadedFilepathFromLine, requestedFormatFromLine } from './ytdlp-output';

const stdoutLines = (name: string): string[] =>
  readFileSync(join(__dirname, 'fixtures', `${name}.stdout.txt`), 'utf8').split('\n');

describe('requestedFormatFromLine', () => {
  it.each([
    ['download-dash-two-files', { formatId: 'v720+a128', fileCount: 2, height: 720, ext: 'mkv' }],
    ['download-dash-480p', { formatId: 'v360+a128', fileCount: 2, height: 360, ext: 'mkv' }],
    ['download-dash-audio', { formatId: 'a128', fileCount: 1, height: null, ext: 'm4a' }],
    ['download-hls-two-files', { formatId: '985+group_aud-audio_1', fileCount: 2, height: 480, ext: 'mkv' }],
    ['download-direct-mp4', { formatId: 'mp4', fileCount: 1, height: null, ext: 'mp4' }],
    ['download-hls', { formatId: '0', fileCount: 1, height: null, ext: 'mp4' }],
  ])('reads the real format line of %s', (name, expected) => {
    expect(requestedFormatFromLine(stdoutLines(name)[0])).toEqual(expected);
  });

  it('ignores progress and filepath lines', () => {
    const lines = stdoutLines('download-direct-mp4');
    expect(requestedFormatFromLine(lines[1])).toBeNull();
    expect(requestedFormatFromLine(lines[lines.length - 2])).toBeNull();
    expect(requestedFormatFromLine('[vidpipe-format] NA')).toBeNull();
  });
});

describe('downloadedFilepathFromLine', () => {
  it.each([
    ['download-direct-mp4', 'source.mp4'],
    ['download-webm', 'source.webm'],
    ['download-dash-two-files', 'source.mkv'],
    ['download-dash-audio', 'source.m4a'],
    ['download-hls', 'source.mp4'],
  ])('reads the absolute merged path printed last by %s', (name, basename) => {
    const paths = stdoutLines(name).map(downloadedFilepathFromLine).filter((p) => p !== null);
    expect(paths).toEqual([`/tmp/vidpipe-fixtures/${name}/${basename}`]);
  });

  it('finds no path when max-filesize stopped the download (exit 0, format line only)', () => {
    const lines = stdoutLines('download-max-filesize');
    expect(lines[0].startsWith('[vidpipe-format] ')).toBe(true);
    expect(lines.map(downloadedFilepathFromLine).filter((p) => p !== null)).toEqual([]);
  });

  it('treats yt-dlp\'s "NA" as no path and leaves other lines alone', () => {
    expect(downloadedFilepathFromLine('[vidpipe-filepath] NA')).toBeNull();
    expect(downloadedFilepathFromLine(stdoutLines('download-direct-mp4')[1])).toBeNull();
    expect(downloadedFilepathFromLine('/tmp/x/source.mp4')).toBeNull();
  });
});
