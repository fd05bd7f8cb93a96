// Pure reading of `yt-dlp -J` output into the few facts the pipeline needs; every field is optional.
import { INFO_LINE_PREFIX } from './ytdlp-args';

export interface ProbeFormat {
  formatId: string;
  height: number | null;
  /** yt-dlp's own value: `none` means "no video in this format", null means "not known". */
  vcodec: string | null;
  /** `none` means "no audio in this format", null means "not known". */
  acodec: string | null;
  ext: string | null;
}

export interface ProbeInfo {
  title: string | null;
  durationSec: number | null;
  thumbnailUrl: string | null;
  extractor: string | null;
  isLive: boolean;
  webpageUrl: string | null;
  formats: ProbeFormat[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null => {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

const positiveNumber = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;

const httpUrl = (value: unknown): string | null => {
  const candidate = text(value);
  if (candidate === null) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? candidate : null;
  } catch {
    return null;
  }
};

/** `-J` on a playlist gives `_type: "playlist"` with `entries`; nested playlists are possible. */
function firstVideo(json: unknown): Json | null {
  let node: unknown = json;
  for (let depth = 0; depth < 5 && isObject(node); depth++) {
    if (node._type !== 'playlist' && node._type !== 'multi_video') return node;
    const entries: unknown[] = Array.isArray(node.entries) ? node.entries : [];
    const first = entries.find(isObject);
    if (first === undefined) return node;
    node = first;
  }
  return isObject(node) ? node : null;
}

function thumbnailOf(video: Json): string | null {
  const direct = httpUrl(video.thumbnail);
  if (direct !== null) return direct;
  // yt-dlp sorts `thumbnails` from worst to best, so the last usable one is preferred.
  const list = Array.isArray(video.thumbnails) ? video.thumbnails : [];
  for (let i = list.length - 1; i >= 0; i--) {
    const candidate = list[i];
    const url = isObject(candidate) ? httpUrl(candidate.url) : null;
    if (url !== null) return url;
  }
  return null;
}

function formatOf(value: unknown): ProbeFormat | null {
  if (!isObject(value)) return null;
  const formatId = text(value.format_id);
  if (formatId === null) return null;
  return {
    formatId,
    height: positiveNumber(value.height),
    vcodec: text(value.vcodec),
    acodec: text(value.acodec),
    ext: text(value.ext),
  };
}

function titleOf(video: Json, extractor: string | null): string | null {
  const title = text(video.title) ?? text(video.fulltitle);
  if (title === null || extractor !== 'html5') return title;
  // The html5 extractor numbers every <video> ("Clip (1)" with id "page-1"), even when there is only one.
  const index = /-(\d+)$/.exec(typeof video.id === 'string' ? video.id : '')?.[1];
  return index !== undefined && title.endsWith(` (${index})`) ? title.slice(0, -` (${index})`.length) : title;
}

export function probeInfoFromJson(json: unknown): ProbeInfo {
  const root = isObject(json) ? json : null;
  const video = firstVideo(json);
  if (video === null) {
    return { title: null, durationSec: null, thumbnailUrl: null, extractor: null, isLive: false, webpageUrl: null, formats: [] };
  }
  const extractor = text(video.extractor) ?? text(video.extractor_key) ?? text(root?.extractor);
  const listed = Array.isArray(video.formats) ? video.formats : [];
  // A direct link with no format list is described by the top level itself.
  const rawFormats = listed.length > 0 ? listed : [video];
  return {
    title: titleOf(video, extractor) ?? text(root?.title),
    durationSec: positiveNumber(video.duration),
    thumbnailUrl: thumbnailOf(video) ?? (root !== null && root !== video ? thumbnailOf(root) : null),
    extractor,
    isLive: video.is_live === true || video.live_status === 'is_live',
    webpageUrl: httpUrl(video.webpage_url) ?? httpUrl(video.original_url) ?? httpUrl(root?.webpage_url),
    formats: rawFormats.map(formatOf).filter((f): f is ProbeFormat => f !== null),
  };
}

/** The download run's `[vidpipe-info] {…}` line (INFO_PRINT_TEMPLATE) as the probe's facts; null for any other line. */
export function infoFromLine(line: string): ProbeInfo | null {
  if (!line.startsWith(INFO_LINE_PREFIX)) return null;
  try {
    const json: unknown = JSON.parse(line.slice(INFO_LINE_PREFIX.length));
    return isObject(json) ? probeInfoFromJson(json) : null;
  } catch {
    return null;
  }
}
