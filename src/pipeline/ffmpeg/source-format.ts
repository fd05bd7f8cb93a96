// Which downloaded files ffmpeg may open. A text file (an HLS or DASH playlist, an ffconcat
// script, an SDP) saved as "video.mp4" would make ffprobe/ffmpeg follow the file: or http:
// references inside it, so text is refused before probing and only self-contained media
// containers are accepted after.

/** ffprobe's format_name → the demuxer forced with `-f`, for containers that hold their own media. */
const ACCEPTED_DEMUXERS: Readonly<Record<string, string>> = {
  mov: 'mov',
  mp4: 'mov',
  matroska: 'matroska',
  webm: 'matroska',
  mpegts: 'mpegts',
  flv: 'flv',
  avi: 'avi',
  ogg: 'ogg',
  mp3: 'mp3',
  aac: 'aac',
  wav: 'wav',
  flac: 'flac',
  asf: 'asf',
  mpeg: 'mpeg',
};

/**
 * Input options for every ffprobe and ffmpeg run on a downloaded file: only the accepted
 * demuxers may even be tried, and only the local file may be opened (no file: or http:
 * references followed from inside it).
 */
export const SOURCE_INPUT_OPTIONS: readonly string[] = [
  '-format_whitelist', Object.keys(ACCEPTED_DEMUXERS).join(','),
  '-protocol_whitelist', 'file',
];

/** The demuxer to force for this format_name (e.g. "mov,mp4,m4a,3gp,3g2,mj2" → "mov"), or null to refuse. */
export function demuxerFor(formatName: string | null): string | null {
  for (const name of (formatName ?? '').split(',')) {
    const demuxer = ACCEPTED_DEMUXERS[name.trim()];
    if (demuxer) return demuxer;
  }
  return null;
}

/** True for a file head with no NUL byte that is almost all printable: a playlist or script, not media. */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return true;
  let printable = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127) || byte >= 0x80) printable++;
  }
  return printable / head.length > 0.95;
}
