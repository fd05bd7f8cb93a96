// Pure parsing of the two non-progress lines our download arguments ask yt-dlp to print on stdout.
import { FILEPATH_LINE_PREFIX, FORMAT_LINE_PREFIX } from './ytdlp-args';

export interface RequestedFormat {
  /** e.g. `v720+a128`: one id per file that will be downloaded, then merged. */
  formatId: string;
  /** How many files yt-dlp will download for this format (the `+`-separated parts). */
  fileCount: number;
  height: number | null;
  /** Extension of the final file (`mkv` after a merge). */
  ext: string | null;
}

/** Parses `[vidpipe-format] {"format_id": ..., "height": ..., "ext": ...}`, printed once before downloading. */
export function requestedFormatFromLine(line: string): RequestedFormat | null {
  if (!line.startsWith(FORMAT_LINE_PREFIX)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(FORMAT_LINE_PREFIX.length));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.format_id !== 'string' || o.format_id === '') return null;
  return {
    formatId: o.format_id,
    fileCount: o.format_id.split('+').length,
    height: typeof o.height === 'number' && Number.isFinite(o.height) ? o.height : null,
    ext: typeof o.ext === 'string' ? o.ext : null,
  };
}

/** Parses `[vidpipe-filepath] /abs/path/source.mkv`, printed once after the final move or merge. */
export function downloadedFilepathFromLine(line: string): string | null {
  if (!line.startsWith(FILEPATH_LINE_PREFIX)) return null;
  // Only a trailing CR is stripped: a path may legitimately end in spaces.
  const filepath = line.slice(FILEPATH_LINE_PREFIX.length).replace(/\r$/, '');
  // yt-dlp prints "NA" when the field is missing (e.g. nothing was downloaded).
  return filepath === '' || filepath === 'NA' ? null : filepath;
}
