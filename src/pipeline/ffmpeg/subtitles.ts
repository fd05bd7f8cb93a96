// Pure: subtitle tracks as HLS renditions. Each track becomes subs/<stem>.vtt (WebVTT, converted by
// ffmpeg from what the site served) with a one-segment playlist subs/<stem>.m3u8, listed in the
// master playlist as #EXT-X-MEDIA:TYPE=SUBTITLES in group "subs".
import { hlsNames } from '../../jobs/job-paths';
import type { FfmpegArgs } from './hls-args';

export const SUBTITLES_GROUP = 'subs';

/** ffmpeg demuxers we convert from; each reads only the one text file (no external references). */
export type SubtitleFormat = 'webvtt' | 'srt' | 'ass';

/** A track in the HLS output: its language tag, a name for menus, and its files under SUBTITLES_DIR (job-paths). */
export interface SubtitleTrack {
  lang: string;
  name: string;
  /** File name without extension, unique in the job: `<stem>.vtt` and `<stem>.m3u8`. */
  stem: string;
}

const SRT_TIMING = /^\d{1,2}:\d{2}:\d{2},\d{3}\s+-->\s+\d{1,2}:\d{2}:\d{2},\d{3}/m;

/** What a subtitle file is, from its text (never its name: sites mislabel), or null when we cannot convert it. */
export function subtitleFormatOf(text: string): SubtitleFormat | null {
  const body = text.replace(/^\uFEFF/, '');
  if (/^WEBVTT(?:[ \t].*)?(?:\r?\n|$)/.test(body)) return 'webvtt';
  if (/^\s*\[Script Info\]/i.test(body)) return 'ass';
  if (/^\s*\d+\s*\r?\n/.test(body) && SRT_TIMING.test(body)) return 'srt';
  return null;
}

/** Converts one subtitle file to WebVTT; give the forced demuxer, the input and the .vtt output. */
export function subtitleConvertCommand(format: SubtitleFormat): FfmpegArgs {
  return {
    // Only that text file may be opened, read with the demuxer its content showed.
    inputOptions: ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file', '-f', format],
    outputOptions: ['-map', '0:s:0', '-c:s', 'webvtt', '-f', 'webvtt'],
  };
}

/** A converted file with no cue in it (ffmpeg writes a bare "WEBVTT" for input it could not read). */
export const hasCues = (vtt: string): boolean => /-->/.test(vtt);

/**
 * Ties cue time 0 to the video's first timestamp in the MPEG-TS segments (ffmpeg starts them at
 * 1.4 s): without it, hls.js and Safari map cue 0 to MPEG-TS 0 and show every cue early.
 */
export function withTimestampMap(vtt: string, firstPts90k: number): string {
  const lines = vtt.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines.findIndex((l) => l.trim() === '');
  const end = header === -1 ? lines.length : header;
  const kept = lines.slice(1, end).filter((l) => !l.startsWith('X-TIMESTAMP-MAP='));
  const map = `X-TIMESTAMP-MAP=MPEGTS:${Math.max(0, Math.round(firstPts90k))},LOCAL:00:00:00.000`;
  return [lines[0], map, ...kept, ...lines.slice(end)].join('\n');
}

/** A VOD playlist with the whole .vtt as its one segment. */
export function subtitlePlaylist(vttFile: string, durationSec: number): string {
  const duration = Math.max(durationSec, 0.001);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    vttFile,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/**
 * The master playlist with one #EXT-X-MEDIA line per track (before the first variant) and
 * SUBTITLES="subs" on every #EXT-X-STREAM-INF. No tracks: the text comes back unchanged.
 */
export function masterWithSubtitles(master: string, tracks: readonly SubtitleTrack[]): string {
  if (tracks.length === 0) return master;
  const media = tracks.map(
    (t) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLES_GROUP}",NAME="${quotedStringSafe(t.name)}",LANGUAGE="${quotedStringSafe(t.lang)}",` +
      `DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="${hlsNames.subtitle(t.stem, 'm3u8')}"`,
  );
  const out: string[] = [];
  let inserted = false;
  for (const line of master.split(/\r?\n/)) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      if (!inserted) out.push(...media, '');
      inserted = true;
      out.push(line.includes('SUBTITLES=') ? line : `${line},SUBTITLES="${SUBTITLES_GROUP}"`);
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

/**
 * Tracks for the languages in the order given: a readable English name ("Chinese", or the tag when
 * it is not a language), names and stems made unique, stems safe as /media file names.
 */
export function subtitleTracks(langs: readonly string[]): SubtitleTrack[] {
  const names = new Set<string>();
  const stems = new Set<string>();
  return langs.map((raw, i) => {
    const lang = raw.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 35) || 'und';
    let name = languageName(lang);
    for (let n = 2; names.has(name); n++) name = `${languageName(lang)} (${n})`;
    names.add(name);
    let stem = lang;
    if (stems.has(stem)) stem = `${lang}-${i}`;
    stems.add(stem);
    return { lang, name, stem };
  });
}

function languageName(lang: string): string {
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(lang);
    return name && name !== lang ? name : lang;
  } catch {
    return lang; // not a well-formed language tag
  }
}

// An HLS quoted-string cannot hold a double quote, CR or LF.
const quotedStringSafe = (text: string): string => text.replace(/"/g, "'").replace(/[\r\n]+/g, ' ');
