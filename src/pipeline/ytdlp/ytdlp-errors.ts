// Pure mapping of yt-dlp's real failure output (see fixtures/*.stderr.txt) to a stable code and a sentence.
import { formatBytes } from '../../common/format';
import { failure, type KeyedJobError, type SentenceKey } from '../../jobs/job-messages';

const MAX_SENTENCE_LENGTH = 200;

/** yt-dlp's notice when --max-filesize stops a download; it then exits 0 (the notice is hidden by --quiet). */
export function isMaxFilesizeAbort(output: string): boolean {
  return /File is larger than max-filesize\b.*Aborting/.test(output);
}

/** The last `ERROR:` line, which is the one that ended the run. */
export function lastErrorLine(stderr: string): string | null {
  const lines = stderr.split(/\r?\n/).filter((line) => line.startsWith('ERROR:'));
  return lines.length > 0 ? lines[lines.length - 1] : null;
}

/** The tool's message without "ERROR: ", "[generic] None: ", URLs, "(caused by …)" and the bug-report tail. */
export function ytdlpErrorText(errorLine: string): string {
  let text = errorLine.replace(/^ERROR:\s*/, '');
  // After an "[extractor]" tag comes the video id ("None" when unknown) and a colon.
  text = text.replace(/^\[[^\]]+\]\s+(?:[^\s:]+:\s+)?/, '');
  text = text.replace(/;\s*please report this issue[\s\S]*$/i, '');
  text = text.replace(/\s*\(caused by [\s\S]*$/, '');
  text = text.replace(/\s*Set --default-search[\s\S]*$/, '');
  text = text.replace(/<urlopen error (?:\[Errno -?\d+\]\s*)?([^>]*)>/, '$1');
  text = text.replace(/\s*\bhttps?:\/\/\S+/g, '');
  text = text.replace(/\s+/g, ' ').trim().replace(/[:;,]$/, '');
  return text;
}

const sentence = (text: string): string => {
  const trimmed = text.length > MAX_SENTENCE_LENGTH ? `${text.slice(0, MAX_SENTENCE_LENGTH - 1).trimEnd()}…` : text;
  const capitalised = trimmed.startsWith('yt-dlp') ? trimmed : trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capitalised) ? capitalised : `${capitalised}.`;
};

const UNREACHABLE_PATTERNS: ReadonlyArray<[RegExp, SentenceKey & `error.source_unreachable.${string}`]> = [
  [/Connection refused/i, 'error.source_unreachable.refused'],
  [/name resolution|Name or service not known|No address associated|nodename nor servname|getaddrinfo/i, 'error.source_unreachable.dns'],
  [/timed out|timeout/i, 'error.source_unreachable.timeout'],
  [/Connection reset|Remote end closed|RemoteDisconnected|IncompleteRead|Broken pipe/i, 'error.source_unreachable.closed'],
  [/Network is unreachable|No route to host/i, 'error.source_unreachable.no_route'],
  [/CERTIFICATE_VERIFY_FAILED|certificate verify failed|\[SSL/, 'error.source_unreachable.certificate'],
];

// What sites say, matched on yt-dlp's own message texts (fixtures/ytdlp-site-errors.txt says where each comes from).
const LOGIN_REQUIRED = /\bprivate video\b|\bvideo is private\b|sign in to confirm|confirm you.re not a bot|inappropriate for some users|age[- ]restricted|members[- ]only|join this channel|only available for (?:registered|premium) users|login details are needed|Use --cookies|--username and --password/i;
const RATE_LIMITED = /HTTP Error 429|too many requests|rate[- ]limit|content isn.t available, try again later|download rate reached/i;
const UNAVAILABLE = /video unavailable|video is unavailable|not available (?:from|in) your (?:location|country)|geo[- ]?restrict|not made this video available|has been removed|has been deleted|no longer available|not yet available|live event will begin|\bpremieres? in\b|will begin (?:in|shortly)/i;
// Checked last: "not yet available. Please try again later." is a time, not a limit.
const TRY_AGAIN_LATER = /try again later/i;

/** The site's own reason, without yt-dlp's command-line advice (flags a vidpipe user cannot pass). */
export function siteReason(text: string): string {
  const reason = text
    .replace(/\s*(?:Use --|You might want to use a VPN|It is recommended to use|For more information, refer to|This helps protect our community)[\s\S]*$/, '')
    .replace(/^[A-Za-z0-9_:]+ said:\s*/, '')
    .trim()
    .replace(/[.:;,]$/, '');
  return reason.length > 120 ? `${reason.slice(0, 119).trimEnd()}…` : reason;
}

/** A site's refusal (login, unavailable, rate limit) as our code and a sentence quoting the site, or null. */
export function siteErrorFromText(text: string): KeyedJobError | null {
  const http429 = /HTTP Error 429:?\s*([^(;]*)/i.exec(text);
  if (http429) {
    const what = /video data|fragment/i.test(text) ? 'file' : 'link';
    const answer = `429${http429[1].trim() ? ` ${http429[1].trim()}` : ''}`;
    return failure('rate_limited', what === 'file' ? 'error.rate_limited.http_file' : 'error.rate_limited.http_link', { answer });
  }
  const reason = siteReason(text);
  if (LOGIN_REQUIRED.test(text)) {
    return failure('login_required', 'error.login_required', { reason });
  }
  if (RATE_LIMITED.test(text)) {
    return failure('rate_limited', 'error.rate_limited', { reason });
  }
  if (UNAVAILABLE.test(text)) {
    return failure('unavailable', 'error.unavailable', { reason });
  }
  if (TRY_AGAIN_LATER.test(text)) {
    return failure('rate_limited', 'error.rate_limited', { reason });
  }
  return null;
}

/** `maxBytes`: the --max-filesize the run was given, if any. */
export function ytdlpErrorFromOutput(stderr: string, exitCode: number | null, maxBytes?: number | null): KeyedJobError {
  if (isMaxFilesizeAbort(stderr)) {
    return failure('too_large', 'error.too_large');
  }
  // Under --max-filesize yt-dlp skips every HLS fragment over the limit, then finds the file empty.
  if (maxBytes && /ERROR: The downloaded file is empty/.test(stderr)) return ytdlpErrorWithoutFile(maxBytes);
  const line = lastErrorLine(stderr);
  if (line === null) {
    // Exit 2 with "yt-dlp: error: …" is an option our own builder got wrong, not the user's link.
    const usage = /yt-dlp: error: (.+)/.exec(stderr);
    if (usage) return failure('internal_error', 'error.internal_error', { reason: sentence(`yt-dlp rejected its arguments: ${usage[1].trim()}`) });
    if (exitCode === null) return failure('download_failed', 'error.download_failed.stopped');
    return failure('download_failed', 'error.download_failed.exit', { exitCode });
  }

  const text = ytdlpErrorText(line);
  const site = siteErrorFromText(text);
  if (site) return site;
  if (/^Unsupported URL\b/i.test(text)) {
    return failure('unsupported_url', 'error.unsupported_url');
  }
  if (/is not a valid URL/i.test(text)) {
    return failure('invalid_url', 'error.invalid_url');
  }
  const http = /HTTP Error (\d{3}):?\s*([^(;]*)/i.exec(text);
  if (http) {
    const status = Number(http[1]);
    const reason = http[2].trim();
    // The webpage failing is "this link"; the media file failing after a good probe is "the video file".
    const key = /video data|fragment/i.test(text) ? 'error.http_answer.file' : 'error.http_answer.link';
    return failure(status === 404 || status === 410 ? 'source_not_found' : 'source_unreachable', key, { answer: `${status}${reason ? ` ${reason}` : ''}` });
  }
  for (const [pattern, key] of UNREACHABLE_PATTERNS) {
    if (pattern.test(text)) return failure('source_unreachable', key);
  }
  if (/ffmpeg (?:is )?not (?:found|installed)/i.test(text)) {
    return failure('internal_error', 'error.internal_error', { reason: sentence(text) });
  }
  return text === '' ? failure('download_failed', 'error.download_failed.silent') : failure('download_failed', 'error.download_failed', { reason: sentence(text) });
}

/** A login wall met although the owner's cookies were used: uploading cookies is no longer the advice. */
export function withCookiesUsed(error: KeyedJobError, cookiesUsed: boolean): KeyedJobError {
  if (!cookiesUsed || error.key !== 'error.login_required') return error;
  return failure('login_required', 'error.login_required.cookies_used', { reason: String(error.params?.reason ?? '') });
}

/** For a run that exited 0 yet printed no filepath: with --quiet that is exactly how a max-filesize abort looks. */
export function ytdlpErrorWithoutFile(maxBytes: number | null | undefined): KeyedJobError {
  if (maxBytes != null && maxBytes > 0) return failure('too_large', 'error.too_large.bytes', { max: formatBytes(maxBytes) });
  return failure('download_failed', 'error.download_failed.no_output');
}

