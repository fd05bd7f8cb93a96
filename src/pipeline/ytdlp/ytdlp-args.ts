// Pure argument builders for yt-dlp (checked against Debian yt-dlp 2023.03.04; see fixtures/README.md).
//
// What the real tool does with the download arguments below:
// - `--print before_dl:…`/`after_move:…` imply `--quiet` but NOT `--simulate` (a bare `--print filepath`
//   would simulate: nothing downloaded, "NA" printed). Printed lines arrive on STDOUT.
// - `--quiet` hides progress unless `--progress` is given; progress lines then arrive on STDOUT too.
// - WARNING:/ERROR: lines arrive on STDERR. The "[download] File is larger than max-filesize" notice is
//   an ordinary message, so `--quiet` hides it: that abort shows only as exit 0 with no filepath line.
import type { JobFormat } from '../../jobs/job.types';

// Each kind of line we ask for on stdout starts with its own prefix, so none can be mistaken for another.
export const PROGRESS_LINE_PREFIX = '[vidpipe-progress] ';
export const FORMAT_LINE_PREFIX = '[vidpipe-format] ';
export const FILEPATH_LINE_PREFIX = '[vidpipe-filepath] ';

// Only the fields we read: `%(progress)j` alone dumps ~600 bytes of private `_*_str` fields per line.
const PROGRESS_FIELDS = [
  'status',
  'downloaded_bytes',
  'total_bytes',
  'total_bytes_estimate',
  'speed',
  'eta',
  'fragment_index',
  'fragment_count',
  'filename',
].join(',');

export const PROGRESS_TEMPLATE = `download:${PROGRESS_LINE_PREFIX}%(progress.{${PROGRESS_FIELDS}})j`;
/** Once, before downloading: the chosen format; `v720+a128` means two files will follow, then a merge. */
export const FORMAT_PRINT_TEMPLATE = `before_dl:${FORMAT_LINE_PREFIX}%(.{format_id,height,ext})j`;
/** Once, at the very end: the absolute path of the finished (merged) file. */
export const FILEPATH_PRINT_TEMPLATE = `after_move:${FILEPATH_LINE_PREFIX}%(filepath)s`;

export const INFO_LINE_PREFIX = '[vidpipe-info] ';
/**
 * Once, before downloading: what the probe would have said (read by probeInfoFromJson), so a
 * plain file needs no separate `-J` start (~0.4 s here). `video:` prints before the download.
 */
export const INFO_PRINT_TEMPLATE = `video:${INFO_LINE_PREFIX}%(.{title,fulltitle,id,duration,thumbnail,is_live,live_status,extractor,webpage_url,original_url})j`;

export const SUBTITLES_LINE_PREFIX = '[vidpipe-subs] ';
/** Once, at the end: `{ lang: { ext, filepath, url } }` of the subtitle files written (`null`: none). */
export const SUBTITLES_PRINT_TEMPLATE = `after_move:${SUBTITLES_LINE_PREFIX}%(requested_subtitles)j`;
/** Subtitle tracks kept per job (SUBTITLE_LANGS may match many more on some sites). */
export const MAX_SUBTITLE_TRACKS = 8;
// What ffmpeg converts to WebVTT; `best` (e.g. TTML, json3) is tried and skipped with a note if it cannot.
export const SUBTITLE_FORMATS = 'vtt/srt/ass/best';

/** yt-dlp's read size: how often it reports progress, and what each report costs. */
export const BUFFER_SIZE = '64K';

/** The downloaded file is always `source.<ext>` inside the job's folder. */
export const SOURCE_BASENAME = 'source';

// Shared by probe and download: our flags only, never a user's or the system's yt-dlp.conf.
// `--no-playlist` does not stop a page with several <video> tags from being a playlist: `--playlist-items 1` does.
const COMMON_ARGS = ['--ignore-config', '--no-cache-dir', '--no-playlist', '--playlist-items', '1', '--socket-timeout', '20'];

/**
 * Only formats fetched over HTTP(S) — plain files, HLS, DASH — qualify: those go through the
 * egress proxy. rtmp://, ftp:// and other protocols are fetched by tools that ignore proxies.
 */
export const WEB_PROTOCOLS = "[protocol~='^(https?|m3u8(_native)?|http_dash_segments)$']";

const heightCapped = (height: number): string => {
  const p = WEB_PROTOCOLS;
  // Separate streams under the cap, else one file under the cap, else whatever is best (height unknown).
  return `bv*[height<=${height}]${p}+ba${p}/b[height<=${height}]${p}/bv*${p}+ba${p}/b${p}`;
};

/**
 * yt-dlp's `-S` (format sort), placed before its defaults: highest resolution first, so `best` is still
 * the tallest; then the site's preferred language; then, at equal height, H.264 (`+vcodec:avc` ranks
 * h264 > h265 > vp9 > av1 > the rest) and, at equal channel count, AAC (`+acodec:mp4a` ranks mp4a > aac
 * > vorbis > opus > …), so the transcode is a stream copy. Same semantics in 2023.03.04 and current
 * yt-dlp (FormatSorter); proved on real output in fixtures/README.md ("Formats").
 */
export const FORMAT_SORT = 'res,lang,+vcodec:avc,channels,+acodec:mp4a';

export const FORMAT_SELECTORS: Readonly<Record<JobFormat, string>> = {
  best: `bv*${WEB_PROTOCOLS}+ba${WEB_PROTOCOLS}/b${WEB_PROTOCOLS}`,
  '1080p': heightCapped(1080),
  '720p': heightCapped(720),
  '480p': heightCapped(480),
  audio: `ba${WEB_PROTOCOLS}/b${WEB_PROTOCOLS}`,
};

export function ytdlpFormatSelector(format: JobFormat): string {
  return FORMAT_SELECTORS[format];
}

export function ytdlpProbeArgs(url: string): string[] {
  // `--` ends option parsing: a "URL" such as `--exec=...` can only ever be read as a URL.
  return ['-J', ...COMMON_ARGS, '--no-warnings', '--', url];
}

/**
 * The probe of a job that may be a playlist: a single video comes back described as by
 * ytdlpProbeArgs; a playlist comes back as its entries' URLs and titles without probing each
 * (`--flat-playlist`), at most `maxItems` of them. No `--playlist-items 1` here: that is what
 * takes the first video only. `--no-playlist` stays: a video link that names its playlist means the video.
 */
export function ytdlpListArgs(url: string, maxItems: number): string[] {
  const common = COMMON_ARGS.filter((arg, i) => arg !== '--playlist-items' && COMMON_ARGS[i - 1] !== '--playlist-items');
  return ['-J', '--flat-playlist', '--playlist-end', String(Math.max(1, Math.floor(maxItems))), ...common, '--no-warnings', '--', url];
}

export interface YtdlpDownloadOptions {
  url: string;
  format: JobFormat;
  outputDir: string;
  maxBytes?: number | null;
  /** yt-dlp's `--sub-langs` (e.g. `all`, `en,zh.*`, `all,-live_chat`); null or absent: no subtitles. */
  subtitleLangs?: string | null;
}

export function ytdlpDownloadArgs(opts: YtdlpDownloadOptions): string[] {
  // `-o` is a template: a literal `%` in the folder must be doubled or yt-dlp would expand it.
  const dir = opts.outputDir.replace(/\/+$/, '').replace(/%/g, '%%');
  const outputTemplate = `${dir}/${SOURCE_BASENAME}.%(ext)s`;
  const args = [
    '-f',
    ytdlpFormatSelector(opts.format),
    '-S',
    FORMAT_SORT,
    '--newline',
    '--progress',
    '--progress-template',
    PROGRESS_TEMPLATE,
    // Without these yt-dlp grows its read buffer and reports about once a second (see NOTES.md).
    // 64K: ~6 lines a second at 400 KB/s, half the CPU of 16K on fast links (measured).
    '--no-resize-buffer',
    '--buffer-size',
    BUFFER_SIZE,
    '--print',
    FORMAT_PRINT_TEMPLATE,
    '--print',
    FILEPATH_PRINT_TEMPLATE,
    '-o',
    outputTemplate,
    '--merge-output-format',
    'mkv',
    ...COMMON_ARGS,
    '--no-mtime',
    // `.part` files are kept (no --no-part): an interrupted download never looks like a finished source.
  ];
  if (opts.maxBytes != null && opts.maxBytes > 0) args.push('--max-filesize', String(Math.floor(opts.maxBytes)));
  // Written next to the source as source.<lang>.<ext>; auto-generated captions are not asked for.
  if (opts.subtitleLangs) args.push('--write-subs', '--sub-langs', opts.subtitleLangs, '--sub-format', SUBTITLE_FORMATS, '--print', SUBTITLES_PRINT_TEMPLATE);
  args.push('--', opts.url);
  return args;
}

/**
 * The download argv that also prints what the probe would have said (INFO_PRINT_TEMPLATE), so one
 * run does both; inserted before the `-- URL` that ends every download argv.
 */
export function withProbeInfo(downloadArgs: readonly string[]): string[] {
  const end = downloadArgs.lastIndexOf('--');
  // --no-simulate: a print must never turn the run into a simulation.
  return [...downloadArgs.slice(0, end), '--print', INFO_PRINT_TEMPLATE, '--no-simulate', ...downloadArgs.slice(end)];
}

// A link to one media file or stream manifest cannot be a playlist: it needs no listing before its download.
const DIRECT_MEDIA_PATH = /\.(mp4|m4v|webm|mkv|mov|mp3|m4a|aac|ogg|oga|opus|flac|wav|ts|m3u8|mpd)$/i;

/** Pure: the link names a media file or manifest by its path (then one yt-dlp run does all). */
export function looksLikeDirectMedia(url: string): boolean {
  try {
    return DIRECT_MEDIA_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * `--sub-langs` without one language, after yt-dlp failed to fetch it (it fails the whole run for
 * one missing subtitle): yt-dlp reads each entry as a regex anchored at both ends.
 */
export function subLangsWithout(subLangs: string, lang: string): string {
  return `${subLangs},-${lang.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
}
