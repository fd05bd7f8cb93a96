// Pure: what yt-dlp says about the subtitle files it wrote (or could not fetch), from our print
// line and its error line (shapes in fixtures/README.md, "Subtitles").
import { MAX_SUBTITLE_TRACKS, SUBTITLES_LINE_PREFIX } from './ytdlp-args';

/** A subtitle file yt-dlp left next to the source, as the site served it (any format). */
export interface SubtitleFile {
  lang: string;
  path: string;
  /** yt-dlp's extension for it: vtt, srt, ass, ttml, json3… (the content decides what it really is). */
  ext: string;
}

/**
 * Parses `[vidpipe-subs] {"en": {"ext": "vtt", "filepath": "…"}, …}`, in the site's order, at most
 * MAX_SUBTITLE_TRACKS; `[]` for `"NA"`/`null` (none offered); null for any other line.
 */
export function subtitleFilesFromLine(line: string): SubtitleFile[] | null {
  if (!line.startsWith(SUBTITLES_LINE_PREFIX)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(SUBTITLES_LINE_PREFIX.length));
  } catch {
    return [];
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const files: SubtitleFile[] = [];
  for (const [lang, entry] of Object.entries(raw as Record<string, unknown>)) {
    const e = entry as { filepath?: unknown; ext?: unknown } | null;
    if (typeof e?.filepath !== 'string' || e.filepath === '') continue;
    files.push({ lang, path: e.filepath, ext: typeof e.ext === 'string' ? e.ext : '' });
  }
  return files.slice(0, MAX_SUBTITLE_TRACKS);
}

const SUBTITLE_FAILURE = /ERROR: Unable to download video subtitles for (['"])(.+?)\1: ?(.*)$/m;

/** yt-dlp ends the whole run when one subtitle cannot be fetched: which one, and why. */
export function failedSubtitleFromStderr(stderr: string): { lang: string; reason: string } | null {
  const match = SUBTITLE_FAILURE.exec(stderr);
  return match ? { lang: match[2], reason: match[3].trim() } : null;
}
