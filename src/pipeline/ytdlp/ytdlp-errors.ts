// Pure mapping of yt-dlp's real failure output (see fixtures/*.stderr.txt) to a stable code and a sentence.
import { formatBytes } from '../../common/format';
import type { JobError } from '../../jobs/job.types';

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

const UNREACHABLE_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/Connection refused/i, 'The server refused the connection.'],
  [/name resolution|Name or service not known|No address associated|nodename nor servname|getaddrinfo/i,
    "The server's name could not be found."],
  [/timed out|timeout/i, 'The server did not answer in time.'],
  [/Connection reset|Remote end closed|RemoteDisconnected|IncompleteRead|Broken pipe/i, 'The server closed the connection.'],
  [/Network is unreachable|No route to host/i, 'The server cannot be reached from here.'],
  [/CERTIFICATE_VERIFY_FAILED|certificate verify failed|\[SSL/, "The server's secure connection could not be verified."],
];

/** `maxBytes`: the --max-filesize the run was given, if any. */
export function ytdlpErrorFromOutput(stderr: string, exitCode: number | null, maxBytes?: number | null): JobError {
  if (isMaxFilesizeAbort(stderr)) {
    return { code: 'too_large', message: 'The video is larger than the download size limit.' };
  }
  // Under --max-filesize yt-dlp skips every HLS fragment over the limit, then finds the file empty.
  if (maxBytes && /ERROR: The downloaded file is empty/.test(stderr)) return ytdlpErrorWithoutFile(maxBytes);
  const line = lastErrorLine(stderr);
  if (line === null) {
    // Exit 2 with "yt-dlp: error: …" is an option our own builder got wrong, not the user's link.
    const usage = /yt-dlp: error: (.+)/.exec(stderr);
    if (usage) return { code: 'internal_error', message: sentence(`yt-dlp rejected its arguments: ${usage[1].trim()}`) };
    if (exitCode === null) return { code: 'download_failed', message: 'yt-dlp was stopped before it finished.' };
    return { code: 'download_failed', message: `yt-dlp failed (exit code ${exitCode}) without saying why.` };
  }

  const text = ytdlpErrorText(line);
  if (/^Unsupported URL\b/i.test(text)) {
    return { code: 'unsupported_url', message: 'No video was found at this link.' };
  }
  if (/is not a valid URL/i.test(text)) {
    return { code: 'invalid_url', message: 'This is not a valid link.' };
  }
  const http = /HTTP Error (\d{3}):?\s*([^(;]*)/i.exec(text);
  if (http) {
    const status = Number(http[1]);
    const reason = http[2].trim();
    // The webpage failing is "this link"; the media file failing after a good probe is "the video file".
    const what = /video data|fragment/i.test(text) ? 'the video file' : 'this link';
    const answer = `The server answered ${status}${reason ? ` ${reason}` : ''} for ${what}.`;
    return { code: status === 404 || status === 410 ? 'source_not_found' : 'source_unreachable', message: answer };
  }
  for (const [pattern, message] of UNREACHABLE_PATTERNS) {
    if (pattern.test(text)) return { code: 'source_unreachable', message };
  }
  if (/ffmpeg (?:is )?not (?:found|installed)/i.test(text)) {
    return { code: 'internal_error', message: sentence(text) };
  }
  return { code: 'download_failed', message: text === '' ? 'yt-dlp failed without saying why.' : sentence(text) };
}

/** For a run that exited 0 yet printed no filepath: with --quiet that is exactly how a max-filesize abort looks. */
export function ytdlpErrorWithoutFile(maxBytes: number | null | undefined): JobError {
  if (maxBytes != null && maxBytes > 0) {
    return { code: 'too_large', message: `The video is larger than the download size limit (${formatBytes(maxBytes)}).` };
  }
  return { code: 'download_failed', message: 'yt-dlp finished without producing a file.' };
}

