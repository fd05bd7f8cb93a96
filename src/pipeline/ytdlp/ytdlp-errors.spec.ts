import { readFileSync } from 'fs';
import { join } from 'path';
import type { JobError } from '../../jobs/job.types';
import { formatBytes } from '../../common/format';
import {
  isMaxFilesizeAbort,
  lastErrorLine,
  ytdlpErrorFromOutput,
  ytdlpErrorText,
  ytdlpErrorWithoutFile,
} from './ytdlp-errors';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const captures: Record<string, { exitCode: number | null }> = JSON.parse(fixture('captures.json'));
const errorOf = (name: string): JobError => ytdlpErrorFromOutput(fixture(`${name}.stderr.txt`), captures[name].exitCode);

describe('ytdlpErrorFromOutput on real stderr', () => {
  it.each([
    ['probe-404', 'source_not_found', 'The server answered 404 Not Found for this link.'],
    ['probe-410', 'source_not_found', 'The server answered 410 Gone for this link.'],
    ['probe-403', 'source_unreachable', 'The server answered 403 Forbidden for this link.'],
    ['probe-500', 'source_unreachable', 'The server answered 500 Internal Server Error for this link.'],
    ['download-media-404', 'source_not_found', 'The server answered 404 Not Found for the video file.'],
    ['download-media-403', 'source_unreachable', 'The server answered 403 Forbidden for the video file.'],
    ['probe-unsupported', 'unsupported_url', 'No video was found at this link.'],
    ['probe-refused', 'source_unreachable', 'The server refused the connection.'],
    ['probe-dns-failure', 'source_unreachable', "The server's name could not be found."],
    ['probe-timeout', 'source_unreachable', 'The server did not answer in time.'],
    ['probe-dash-url', 'invalid_url', 'This is not a valid link.'],
    ['download-dash-url', 'invalid_url', 'This is not a valid link.'],
    ['download-max-filesize-hls', 'download_failed', 'The downloaded file is empty.'],
    ['usage-error', 'internal_error', 'yt-dlp rejected its arguments: no such option: --no-such-option.'],
  ])('%s → %s', (name, code, message) => {
    expect(captures[name].exitCode).toBe(name === 'usage-error' ? 2 : 1);
    expect(errorOf(name)).toEqual({ code, message });
  });

  it('ignores the WARNING line that precedes the real error', () => {
    expect(fixture('download-media-404.stderr.txt')).toMatch(/^WARNING: /);
    expect(lastErrorLine(fixture('download-media-404.stderr.txt'))).toBe('ERROR: unable to download video data: HTTP Error 404: Not Found');
  });

  it('falls back to a plain sentence when there is no ERROR line', () => {
    expect(ytdlpErrorFromOutput('', null)).toEqual({ code: 'download_failed', message: 'yt-dlp was stopped before it finished.' });
    expect(ytdlpErrorFromOutput('', 1)).toEqual({ code: 'download_failed', message: 'yt-dlp failed (exit code 1) without saying why.' });
  });
});

describe('ytdlpErrorText', () => {
  it('strips the prefix, extractor tag, id, URLs, cause and bug-report tail from every real ERROR line', () => {
    const names = Object.keys(captures).filter((n) => /ERROR:/.test(fixture(`${n}.stderr.txt`)));
    expect(names.length).toBeGreaterThanOrEqual(13);
    for (const name of names) {
      const text = ytdlpErrorText(lastErrorLine(fixture(`${name}.stderr.txt`)) as string);
      expect(text).not.toMatch(/ERROR:|\[generic\]|None:|caused by|please report|https?:\/\/|yt-dlp -U/);
      expect(text.length).toBeGreaterThan(5);
      expect(text.length).toBeLessThan(120);
    }
  });

  it.each([
    ['probe-404', 'Unable to download webpage: HTTP Error 404: Not Found'],
    ['probe-refused', 'Unable to download webpage: Connection refused'],
    ['probe-dns-failure', 'Unable to download webpage: Temporary failure in name resolution'],
    ['probe-timeout', 'Unable to download webpage: timed out'],
    ['probe-unsupported', 'Unsupported URL'],
  ])('reads %s as "%s"', (name, text) => {
    expect(ytdlpErrorText(lastErrorLine(fixture(`${name}.stderr.txt`)) as string)).toBe(text);
  });
});

describe('max-filesize', () => {
  it('is silent with --print (quiet): exit 0, nothing on stderr, no file and no filepath line', () => {
    expect(captures['download-max-filesize'].exitCode).toBe(0);
    expect(fixture('download-max-filesize.stderr.txt')).toBe('');
    expect(fixture('download-max-filesize.stdout.txt')).not.toContain('[vidpipe-filepath]');
    expect(isMaxFilesizeAbort(fixture('download-max-filesize.stdout.txt'))).toBe(false);
    expect(ytdlpErrorWithoutFile(100000)).toEqual({ code: 'too_large', message: 'The video is larger than the download size limit (100 KB).' });
    expect(ytdlpErrorWithoutFile(null).code).toBe('download_failed');
  });

  it('is recognised from the notice yt-dlp prints on stdout when it is not quiet', () => {
    const stdout = fixture('download-max-filesize-not-quiet.stdout.txt');
    expect(captures['download-max-filesize-not-quiet'].exitCode).toBe(0);
    expect(isMaxFilesizeAbort(stdout)).toBe(true);
    expect(ytdlpErrorFromOutput(stdout, 0).code).toBe('too_large');
    expect(isMaxFilesizeAbort(fixture('download-direct-mp4.stdout.txt'))).toBe(false);
  });

  it('reads the empty file that HLS leaves under --max-filesize as too large, when a limit was set', () => {
    const stderr = fixture('download-max-filesize-hls.stderr.txt');
    expect(ytdlpErrorFromOutput(stderr, 1, 100_000)).toEqual({ code: 'too_large', message: 'The video is larger than the download size limit (100 KB).' });
    expect(ytdlpErrorFromOutput(stderr, 1).code).toBe('download_failed');
  });

  it('formats limits for people', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(2_000_000_000)).toBe('2 GB');
    expect(formatBytes(1_536_000)).toBe('1.5 MB');
  });
});
