import type { Rendition } from '../../jobs/job.types';

const STREAM_INF = '#EXT-X-STREAM-INF:';
// One attribute of an HLS attribute list: a quoted string may hold commas (CODECS="avc1…,mp4a…").
const ATTRIBUTE = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/y;

/**
 * The variants listed in a master playlist, in playlist order. Audio-only variants have no
 * RESOLUTION (height and width null); ffmpeg omits CODECS for stream-copied video (codecs null).
 */
export function renditionsFromMasterPlaylist(text: string): Rendition[] {
  const renditions: Rendition[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line.startsWith(STREAM_INF)) continue;
    const attributes = parseAttributeList(line.slice(STREAM_INF.length));
    const resolution = /^(\d+)x(\d+)$/.exec(attributes.get('RESOLUTION') ?? '');
    renditions.push({
      height: resolution ? Number(resolution[2]) : null,
      width: resolution ? Number(resolution[1]) : null,
      bandwidth: Number(attributes.get('BANDWIDTH') ?? 0) || 0,
      codecs: attributes.get('CODECS') || null,
    });
  }
  return renditions;
}

/** `A=1,B="x,y"` → Map { A → "1", B → "x,y" } (quotes removed). */
export function parseAttributeList(list: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const re = new RegExp(ATTRIBUTE.source, ATTRIBUTE.flags);
  let match: RegExpExecArray | null;
  while (re.lastIndex < list.length && (match = re.exec(list)) !== null) {
    const value = match[2];
    attributes.set(match[1], value.startsWith('"') ? value.slice(1, -1) : value);
  }
  return attributes;
}
