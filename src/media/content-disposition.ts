// Pure: a Content-Disposition header (RFC 6266) naming a download after its title, with an ASCII
// `filename=` for old clients and `filename*=UTF-8''…` (RFC 5987) so titles in any script survive.
// Nothing in a title can break the header (quotes, CR/LF, controls) or the path (slashes, dots).

/** Bytes of the UTF-8 name without its extension: file systems allow 255, and leave room for "(1)". */
export const MAX_STEM_BYTES = 180;

// Controls (C0, DEL, C1), line/paragraph separators, bidi overrides (a "…\u202Emp4.exe" spoof), BOM/zero-width.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Separators and what Windows refuses in a name.
const PATH_CHARS = /[/\\:*?"<>|]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** A title made safe as a file name without extension, or null when nothing usable is left. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function safeFileStem(title: string | null | undefined, maxBytes = MAX_STEM_BYTES): string | null {
  if (!title) return null;
  let stem = title
    // A lone surrogate (yt-dlp's JSON may carry one) would make encodeURIComponent throw.
    .replace(LONE_SURROGATE, '\uFFFD')
    .normalize('NFC')
    .replace(INVISIBLE, ' ')
    .replace(PATH_CHARS, '_')
    .replace(/\s+/g, ' ')
    .trim()
    // A leading dot hides the file; trailing dots and spaces are dropped by Windows.
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  stem = truncateUtf8(stem, maxBytes).replace(/[.\s]+$/, '');
  if (!stem || /^[_\s]*$/.test(stem)) return null;
  return WINDOWS_RESERVED.test(stem) ? `_${stem}` : stem;
}

/** The `filename=` fallback: printable ASCII only, no quote, backslash or percent sign. */
export function asciiFileStem(stem: string): string | null {
  const ascii = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // é → e once decomposed
    .replace(/[^\x20-\x7e]+/g, '_')
    .replace(/["\\%]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_\s.]+|[_\s.]+$/g, '');
  return /[A-Za-z0-9]/.test(ascii) ? ascii : null;
}

/**
 * `attachment; filename="<ascii>.<ext>"; filename*=UTF-8''<encoded>.<ext>`. `fallbackStem` (plain
 * ASCII, e.g. "video-<id>") names the file when the title is missing or leaves nothing in ASCII.
 */
export function attachmentDisposition(title: string | null | undefined, ext: string, fallbackStem: string): string {
  const stem = safeFileStem(title) ?? fallbackStem;
  const ascii = asciiFileStem(stem) ?? fallbackStem;
  const header = `attachment; filename="${ascii}.${ext}"`;
  return ascii === stem ? header : `${header}; filename*=UTF-8''${encodeRfc5987(`${stem}.${ext}`)}`;
}

/** RFC 5987 value-chars: encodeURIComponent leaves ' ( ) * unencoded, which attr-char does not allow. */
export function encodeRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Cuts at a character boundary (never inside a grapheme such as an emoji or a letter with its accent). */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) {
    const size = Buffer.byteLength(segment);
    if (bytes + size > maxBytes) break;
    out += segment;
    bytes += size;
  }
  return out;
}
