import { readFileSync } from 'fs';
import { join } from 'path';
import type { JobError } from '../../jobs/job.types';
import { formatBytes } from '../../common/format';
import {
  isMaxFilesizeAbort,
  lastErrorLine,
  withCookiesUsed,
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
    expect(errorOf(name)).toMatchObject({ code, message });
  });

  it('ignores the WARNING line that precedes the real error', () => {
    expect(fixture('download-media-404.stderr.txt')).toMatch(/^WARNING: /);
    expect(lastErrorLine(fixture('download-media-404.stderr.txt'))).toBe('ERROR: unable to download video data: HTTP Error 404: Not Found');
  });

  it('falls back to a plain sentence when there is no ERROR line', () => {
    expect(ytdlpErrorFromOutput('', null)).toMatchObject({ code: 'download_failed', message: 'yt-dlp was stopped before it finished.' });
    expect(ytdlpErrorFromOutput('', 1)).toMatchObject({ code: 'download_failed', message: 'yt-dlp failed (exit code 1) without saying why.' });
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
    expect(ytdlpErrorWithoutFile(100000)).toMatchObject({ code: 'too_large', message: 'The video is larger than the download size limit (100 KB).' });
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
    expect(ytdlpErrorFromOutput(stderr, 1, 100_000)).toMatchObject({ code: 'too_large', message: 'The video is larger than the download size limit (100 KB).' });
    expect(ytdlpErrorFromOutput(stderr, 1).code).toBe('download_failed');
  });

  it('formats limits for people', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(2_000_000_000)).toBe('2 GB');
    expect(formatBytes(1_536_000)).toBe('1.5 MB');
  });
});

describe('what sites say (yt-dlp message texts, fixtures/ytdlp-site-errors.txt)', () => {
  // One case per ERROR line; a geo-blocked error also prints continuation lines, as yt-dlp does.
  const cases = fixture('ytdlp-site-errors.txt')
    .split(/\n(?=ERROR: )/)
    .map((block) => block.trimEnd());
  const COOKIES = 'upload your cookies on the Account page or with PUT /api/me/cookies';

  it('holds one case per line the README lists', () => {
    expect(cases).toHaveLength(18);
    expect(cases.every((c) => c.startsWith('ERROR: ['))).toBe(true);
  });

  it.each([
    [0, 'login_required', "Private video. Sign in if you've been granted access to this video"],
    [1, 'login_required', "Private video. Sign in if you've been granted access to this video"],
    [2, 'login_required', 'Sign in to confirm your age. This video may be inappropriate for some users'],
    [3, 'login_required', 'Join this channel to get access to members-only content like this video, and other exclusive perks'],
    [4, 'login_required', 'Sign in to confirm you’re not a bot'],
    [5, 'login_required', 'This video is only available for registered users'],
    [6, 'login_required', 'This video is only available for premium users'],
    [7, 'login_required', 'This video is private'],
    [8, 'unavailable', 'Video unavailable. This video has been removed by the uploader'],
    [9, 'unavailable', 'Video unavailable'],
    [10, 'unavailable', 'The uploader has not made this video available in your country'],
    [11, 'unavailable', 'This video is not available from your location due to geo restriction'],
    [12, 'unavailable', 'This video is unavailable'],
    [13, 'unavailable', 'This live event will begin in 3 hours'],
    [14, 'unavailable', 'Premieres in 2 hours'],
    [15, 'unavailable', 'This video is not yet available. Please try again later'],
    [16, 'rate_limited', "This content isn't available, try again later. The current session has been rate-limited by YouTube for up to an hour"],
    [17, 'rate_limited', 'Download rate reached. Please try again later'],
  ])('case %i → %s, quoting "%s"', (index, code, reason) => {
    const error = ytdlpErrorFromOutput(`WARNING: [generic] Falling back on generic information extractor\n${cases[index]}\n`, 1);
    expect(error.code).toBe(code);
    expect(error.message).toContain(`("${reason}")`);
    // yt-dlp's advice is about its own command line, which a vidpipe user cannot reach.
    expect(error.message).not.toMatch(/--cookies|--proxy|VPN|-t sleep|https?:\/\/|\[youtube\]|vidpipe0001/);
    if (code === 'login_required') expect(error.message).toContain(COOKIES);
    else expect(error.message).not.toContain(COOKIES);
    if (code === 'rate_limited') expect(error.message).toMatch(/Try again later\.$/);
  });

  it('maps a real HTTP 429 from a loopback origin to rate_limited, for the page and for the video file', () => {
    const errors: Record<string, { exitCode: number | null }> = JSON.parse(fixture('errors-captures.json'));
    expect(errors['probe-429'].exitCode).toBe(1);
    expect(ytdlpErrorFromOutput(fixture('probe-429.stderr.txt'), 1)).toMatchObject({
      code: 'rate_limited',
      message: 'The server answered 429 Too Many Requests for this link: it is limiting requests from this server. Try again later.',
    });
    expect(errors['download-media-429'].exitCode).toBe(1);
    expect(ytdlpErrorFromOutput(fixture('download-media-429.stderr.txt'), 1)).toMatchObject({
      code: 'rate_limited',
      message: 'The server answered 429 Too Many Requests for the video file: it is limiting requests from this server. Try again later.',
    });
  });

  it('leaves every other real failure to its old code (none of them is a site refusal)', () => {
    for (const name of Object.keys(captures)) {
      const stderr = fixture(`${name}.stderr.txt`);
      const line = lastErrorLine(stderr);
      if (line === null) continue;
      expect(['login_required', 'unavailable', 'rate_limited']).not.toContain(ytdlpErrorFromOutput(stderr, 1).code);
    }
  });
});

describe('a login wall met with the owner\'s cookies', () => {
  const privateVideo = 'ERROR: [youtube] abc123: Private video. Sign in if you\'ve been granted access to this video';

  it('no longer advises uploading cookies, but fresh ones, keeping the site\'s reason', () => {
    const withCookies = withCookiesUsed(ytdlpErrorFromOutput(privateVideo, 1), true);
    expect(withCookies.code).toBe('login_required');
    expect(withCookies.message).toMatch(/Private video/);
    expect(withCookies.message).toMatch(/Your uploaded cookies did not get you in/);
    expect(withCookies.message).not.toMatch(/upload your cookies on the Account page/);
  });

  it('leaves the advice as it is without cookies, and other errors as they are', () => {
    const without = ytdlpErrorFromOutput(privateVideo, 1);
    expect(withCookiesUsed(without, false)).toEqual(without);
    const notFound = ytdlpErrorFromOutput('ERROR: [generic] None: Unable to download webpage: HTTP Error 404: Not Found', 1);
    expect(withCookiesUsed(notFound, true)).toEqual(notFound);
  });
});
