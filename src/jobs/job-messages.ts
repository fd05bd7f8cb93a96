// Every sentence the server writes into a job (its message, its error), keyed: the snapshot carries
// the English sentence for API clients, and the key and values the web renders in the reader's
// language (web/src/lib/server-messages.ts). Pure, like job.types.ts (jest requires it in CJS mode).
import type { JobError, JobErrorCode, JobSnapshot, MessageParams } from './job.types';

const s = (n: number) => (n === 1 ? '' : 's');
const videos = (n: number) => `${n} video${s(n)}`;

/** "3 videos: 1 ready, 1 running, 1 waiting" — only the parts that are not zero. */
function childrenSentence(c: { total: number; completed: number; running: number; queued: number; failed: number; cancelled: number }): string {
  const parts = [
    c.completed && `${c.completed} ready`,
    c.running && `${c.running} running`,
    c.queued && `${c.queued} waiting`,
    c.failed && `${c.failed} failed`,
    c.cancelled && `${c.cancelled} cancelled`,
  ].filter(Boolean);
  return parts.length ? `${videos(c.total)}: ${parts.join(', ')}` : videos(c.total);
}

/** "720p (copied), 480p": `renditions` lists the heights, `copied` those whose video is copied. */
function renditionsSentence(p: { renditions: string; copied: string }): string {
  const copied = new Set(p.copied.split(', '));
  return p.renditions.split(', ').map((h) => (copied.has(h) ? `${h} (copied)` : h)).join(', ');
}

const ytdlpAge = (p: { version: string; days: number }) => `yt-dlp ${p.version} is ${p.days} days old, and sites change every few weeks`;

const COOKIES_HINT = 'If you can watch it in your browser, upload your cookies on the Account page or with PUT /api/me/cookies, then retry.';
const STALE_COOKIES_HINT =
  'Your uploaded cookies did not get you in: they may have expired or belong to another account. Export fresh ones while logged in, upload them, then retry.';

/** The English sentence of each key; the web's catalogue has the same keys, in every language. */
export const ENGLISH = {
  // ---- a job's message while it lives ----
  'job.queued': () => 'Waiting for a free downloader',
  'job.waiting': () => 'Waiting for one of your other jobs to finish',
  'job.rate_wait': (p: { max: number }) => `Waiting: you can start at most ${p.max} jobs a minute; it starts as soon as the minute allows`,
  'job.cancelled': () => 'Cancelled',
  'job.handed_back': () => 'This worker stopped; waiting for another to carry on',
  'job.probing': () => 'Looking at the link',
  'job.download_starting': () => 'Starting the download',
  'job.downloading': () => 'Downloading',
  'job.downloading_height': (p: { height: number }) => `Downloading ${p.height}p`,
  'job.downloading_files': (p: { fileNumber: number; fileCount: number }) => `Downloading (${p.fileNumber} of ${p.fileCount} files)`,
  'job.downloading_height_files': (p: { height: number; fileNumber: number; fileCount: number }) =>
    `Downloading ${p.height}p (${p.fileNumber} of ${p.fileCount} files)`,
  'job.restart': (p: { try: number }) => `Connection lost, starting again (try ${p.try})`,
  'job.restart_part': (p: { part: number; try: number }) => `Connection lost, fetching part ${p.part} again (try ${p.try})`,
  'job.restart_part_of': (p: { part: number; parts: number; try: number }) => `Connection lost, fetching part ${p.part} of ${p.parts} again (try ${p.try})`,
  'job.downloaded': () => 'Downloaded; waiting for a free transcoder',
  'job.transcode_reading': () => 'Reading the downloaded file',
  'job.transcode_audio': () => 'Converting the audio for streaming',
  'job.transcode_video': (p: { renditions: string; copied: string }) => `Converting for streaming: ${renditionsSentence(p)}`,
  'job.ready': () => 'Ready to play',
  'job.ready_no_subtitles': (p: { subtitles: string }) => `Ready to play. Subtitles left out: ${p.subtitles}`,
  'job.ready_no_file': () => 'Ready to play. The download file could not be made',
  'job.ready_no_subtitles_no_file': (p: { subtitles: string }) => `Ready to play. Subtitles left out: ${p.subtitles}. The download file could not be made`,
  // ---- a collection's message ----
  'collection.listing': (p: { listed: number; total: number }) => `Listing the playlist: ${p.listed} of ${p.total}`,
  'collection.summary': childrenSentence,
  // ---- why a job failed (each code's own sentences; `reason` quotes the site or the tool) ----
  'error.invalid_url': () => 'This is not a valid link.',
  'error.private_address': (p: { host: string }) => `The link leads to ${p.host}, a private address this server does not download from.`,
  'error.unsupported_url': () => 'No video was found at this link.',
  'error.unsupported_url.live': () => 'This is a live stream; only recorded videos can be downloaded.',
  'error.unsupported_url.empty_playlist': () => 'This playlist has no videos that can be downloaded.',
  'error.unsupported_url.not_a_video': () => 'The link did not describe a video that can be downloaded.',
  'error.unsupported_url.refused_host': (p: { host: string; reason: string }) => `The link leads to ${p.host}, where this server does not download from (${p.reason}).`,
  'error.http_answer.link': (p: { answer: string }) => `The server answered ${p.answer} for this link.`,
  'error.http_answer.file': (p: { answer: string }) => `The server answered ${p.answer} for the video file.`,
  'error.source_unreachable.refused': () => 'The server refused the connection.',
  'error.source_unreachable.dns': () => "The server's name could not be found.",
  'error.source_unreachable.timeout': () => 'The server did not answer in time.',
  'error.source_unreachable.closed': () => 'The server closed the connection.',
  'error.source_unreachable.no_route': () => 'The server cannot be reached from here.',
  'error.source_unreachable.certificate': () => "The server's secure connection could not be verified.",
  'error.download_failed': (p: { reason: string }) => p.reason,
  'error.download_failed.silent': () => 'yt-dlp failed without saying why.',
  'error.download_failed.stopped': () => 'yt-dlp was stopped before it finished.',
  'error.download_failed.exit': (p: { exitCode: number }) => `yt-dlp failed (exit code ${p.exitCode}) without saying why.`,
  'error.download_failed.no_output': () => 'yt-dlp finished without producing a file.',
  'error.download_failed.no_file': () => 'The download finished but produced no file.',
  'error.download_failed.collection': (p: { total: number }) => `None of the ${videos(p.total)} could be downloaded; each one says why.`,
  'error.download_failed.collection_empty': () => 'Every video of this collection was deleted.',
  'error.not_video': () => 'The downloaded file is not a video or audio file that can be read.',
  'error.not_video.no_streams': () => 'The downloaded file has no video or audio stream that can be played.',
  'error.not_video.no_audio': () => 'The downloaded file has no audio stream to keep for the audio-only format.',
  'error.transcode_failed': (p: { reason: string }) => `ffmpeg could not convert the video: ${p.reason}`,
  'error.too_large': () => 'The video is larger than the download size limit.',
  'error.too_large.bytes': (p: { max: string }) => `The video is larger than the download size limit (${p.max}).`,
  'error.too_large.duration': (p: { length: string; max: string }) => `The video is ${p.length} long; this server takes videos up to ${p.max}.`,
  'error.too_large.duration_unknown': (p: { max: string }) => `The video runs past ${p.max}; this server takes videos up to ${p.max}.`,
  'error.internal_error': (p: { reason: string }) => p.reason,
  'error.internal_error.server': (p: { reason: string }) => `Something went wrong on the server: ${p.reason}`,
  'error.internal_error.not_queued': (p: { reason: string }) => `The job could not be queued: ${p.reason}`,
  'error.internal_error.not_finished': (p: { reason: string }) => `The job could not be finished: ${p.reason}`,
  'error.internal_error.workers_died': (p: { count: number }) =>
    `The worker running this job stopped ${p.count} times in a row (the job may need more memory than a worker has), so it was given up.`,
  'error.internal_error.worker_lost': () => 'The worker running this job stopped and the job could not be carried on; retry it.',
  'error.login_required': (p: { reason: string }) => `The site wants a signed-in account for this video ("${p.reason}"). ${COOKIES_HINT}`,
  'error.login_required.cookies_used': (p: { reason: string }) => `The site wants a signed-in account for this video ("${p.reason}"). ${STALE_COOKIES_HINT}`,
  'error.unavailable': (p: { reason: string }) => `The site says this video is not available ("${p.reason}").`,
  'error.rate_limited': (p: { reason: string }) => `The site is limiting requests from this server ("${p.reason}"). Try again later.`,
  'error.rate_limited.http_link': (p: { answer: string }) =>
    `The server answered ${p.answer} for this link: it is limiting requests from this server. Try again later.`,
  'error.rate_limited.http_file': (p: { answer: string }) =>
    `The server answered ${p.answer} for the video file: it is limiting requests from this server. Try again later.`,
  'error.stalled.download': (p: { idle: string }) =>
    `Nothing arrived from the site for ${p.idle}, so the download was stopped. The site may be overloaded or the link may have stopped working; retry later.`,
  'error.stalled.transcode': (p: { idle: string }) => `The conversion made no progress for ${p.idle}, so it was stopped.`,
  'error.disk_full': (p: { free: string; floor: string }) =>
    `The server ran out of disk space (${p.free} free; it keeps ${p.floor} free), so this job was stopped and its partial files removed. Retry it once space has been freed.`,
  'error.storage_full': (p: { used: string; max: string }) =>
    `Your videos use ${p.used} of your ${p.max}, so this one was not downloaded; delete some to make room, then retry it.`,
  // ---- why a subscription's last check found nothing (its `lastError`; a listing's own failure keeps its error key) ----
  'subscription.account_disabled': () => 'Not checked: the account is disabled.',
  'subscription.over_quota': (p: { used: string; max: string }) => `Not checked: your videos use ${p.used} of your ${p.max}; delete some to make room.`,
  'subscription.check_failed': (p: { reason: string }) => `The check failed: ${p.reason}`,
  // ---- why a webhook delivery got no answer (its `response`; an answer is the receiver's own text) ----
  'webhook.not_sent.invalid_url': (p: { reason: string }) => `Not sent: ${p.reason}`,
  'webhook.not_sent.port': (p: { port: number }) => `Not sent: port ${p.port} is not allowed`,
  'webhook.not_sent.local_host': (p: { host: string }) => `Not sent: ${p.host} is a private address`,
  'webhook.not_sent.private_address': (p: { host: string; address: string }) => `Not sent: ${p.host} (${p.address}) is not a public address`,
  'webhook.no_answer.dns': (p: { host: string }) => `No answer: the address of ${p.host} could not be found`,
  'webhook.no_answer.timeout': (p: { seconds: number }) => `No answer: no answer within ${p.seconds} s`,
  // `reason` is the system's own words (connect ECONNREFUSED 127.0.0.1:9); the key says what they mean.
  'webhook.no_answer.refused': (p: { reason: string }) => `No answer: ${p.reason}`,
  'webhook.no_answer.closed': (p: { reason: string }) => `No answer: ${p.reason}`,
  'webhook.no_answer.no_route': (p: { reason: string }) => `No answer: ${p.reason}`,
  'webhook.no_answer.certificate': (p: { reason: string }) => `No answer: ${p.reason}`,
  'webhook.no_answer.other': (p: { reason: string }) => `No answer: ${p.reason}`,
  // ---- how old the yt-dlp is, and what to do (details.ytdlp of GET /api/health, when stale) ----
  'ytdlp.stale.managed': (p: { version: string; days: number }) =>
    `${ytdlpAge(p)}: vidpipe updates it by itself once a day; an admin can update it now with POST /api/admin/ytdlp/update.`,
  'ytdlp.stale.managed_manual': (p: { version: string; days: number }) =>
    `${ytdlpAge(p)}: automatic updates are off (YTDLP_AUTO_UPDATE=false); an admin can update it now with POST /api/admin/ytdlp/update.`,
  'ytdlp.stale.system': (p: { version: string; days: number }) =>
    `${ytdlpAge(p)}: install a current yt-dlp (pipx install yt-dlp, or pip install -U "yt-dlp[default]") and set YTDLP_PATH to it, ` +
    `or leave YTDLP_PATH unset and let vidpipe manage one where Python can reach the package index.`,
} as const;

export type SentenceKey = keyof typeof ENGLISH;
type ArgsOf<K extends SentenceKey> = Parameters<(typeof ENGLISH)[K]>;

/** What a snapshot says, in all three fields. */
export type JobMessage = Required<Pick<JobSnapshot, 'message' | 'messageKey' | 'messageParams'>>;

/** The sentence of `key` with its values: `say('job.rate_wait', { max: 10 })`. */
export function say<K extends SentenceKey>(key: K, ...args: ArgsOf<K>): JobMessage {
  const params = (args[0] ?? null) as MessageParams | null;
  const english = ENGLISH[key] as unknown as (p: MessageParams | null) => string;
  return { message: english(params), messageKey: key, messageParams: params };
}

/** A sentence of our own that has no key (tests, old callers): API clients read it; the web shows it as it is. */
export const unkeyed = (message: string): JobMessage => ({ message, messageKey: null, messageParams: null });

export const asJobMessage = (m: string | JobMessage): JobMessage => (typeof m === 'string' ? unkeyed(m) : m);

/** A job error on its way to the snapshot: `key` becomes the snapshot's `messageKey`, and is not stored in `error`. */
export type KeyedJobError = JobError & { key?: SentenceKey };

/** The error of `code` with the sentence of `key`: `failure('too_large', 'error.too_large.bytes', { max: '1 GB' })`. */
export function failure<K extends SentenceKey & `error.${string}`>(code: JobErrorCode, key: K, ...args: ArgsOf<K>): KeyedJobError {
  const { message, messageParams } = say(key, ...args);
  return { code, message, params: messageParams ?? {}, key };
}
