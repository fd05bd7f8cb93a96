// Pure reading of `yt-dlp -J --flat-playlist` output: is it a playlist, and which entries can be
// downloaded on their own. Flat entries are not probed: an entry is a URL and, maybe, a title.
import { checkUrlSyntax } from '../../jobs/url-policy';

export interface PlaylistEntry {
  url: string;
  title: string | null;
}

export interface FlatPlaylist {
  title: string | null;
  thumbnailUrl: string | null;
  /** Downloadable entries, in playlist order, without repeats, at most the cap. */
  entries: PlaylistEntry[];
  /** How many entries the source says it has (may be more than were listed); null when it does not say. */
  sourceCount: number | null;
  /** Listed entries left out: no http(s) URL of their own, or a repeat. */
  skipped: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

const httpUrl = (value: unknown): string | null => {
  const verdict = checkUrlSyntax(value);
  return verdict.ok ? verdict.url : null;
};

/** yt-dlp says "playlist" for playlists, channels and pages with several videos; "multi_video" for parts of one. */
export function isPlaylistJson(json: unknown): boolean {
  return isObject(json) && (json._type === 'playlist' || json._type === 'multi_video');
}

/**
 * An entry's own address: `url` (a flat entry's page, or the media itself when the extractor
 * resolved it, as the generic one does for `<video>` tags), else its `webpage_url` — unless that
 * is the playlist's own page, which would list the playlist again.
 */
function entryUrl(entry: Json, playlistPage: string | null): string | null {
  const own = httpUrl(entry.url);
  if (own) return own;
  const page = httpUrl(entry.webpage_url);
  return page && page !== playlistPage ? page : null;
}

export function flatPlaylistFromJson(json: unknown, maxItems: number): FlatPlaylist {
  const root = isObject(json) ? json : {};
  const listed = Array.isArray(root.entries) ? root.entries : [];
  const playlistPage = httpUrl(root.webpage_url) ?? httpUrl(root.original_url);
  const seen = new Set<string>();
  const entries: PlaylistEntry[] = [];
  let skipped = 0;
  for (const entry of listed) {
    if (entries.length >= maxItems) break;
    const url = isObject(entry) ? entryUrl(entry, playlistPage) : null;
    if (url === null || seen.has(url)) {
      skipped++;
      continue;
    }
    seen.add(url);
    entries.push({ url, title: isObject(entry) ? text(entry.title) : null });
  }
  const count = root.playlist_count;
  return {
    title: text(root.title),
    thumbnailUrl: httpUrl(root.thumbnail),
    entries,
    sourceCount: typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : null,
    skipped,
  };
}
