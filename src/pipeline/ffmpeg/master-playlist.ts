// The master playlist: written by us (ffmpeg 5.1's lacks AVERAGE-BANDWIDTH, FRAME-RATE and
// EXT-X-INDEPENDENT-SEGMENTS, and CODECS for copied video), read back for the job's renditions.
// Pure: text in, text out.
import { hlsNames } from '../../jobs/job-paths';
import type { Rendition } from '../../jobs/job.types';
import { variantCodecs } from './codecs';
import type { MediaStreams } from './media-streams';
import type { SegmentBitRates } from './segment-bit-rates';
import type { TranscodePlan } from './transcode-policy';

const STREAM_INF = '#EXT-X-STREAM-INF:';
// One attribute of an HLS attribute list: a quoted string may hold commas (CODECS="avc1…,mp4a…").
const ATTRIBUTE = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/y;
/** As ffmpeg writes its media playlists (and its own master before). */
const MASTER_VERSION = 6;

/** One #EXT-X-STREAM-INF and its URI. */
export interface VariantStream {
  uri: string;
  /** bits/s: the peak segment bit rate (RFC 8216 §4.1), subtitles included. */
  bandwidth: number;
  /** bits/s: the average segment bit rate. */
  averageBandwidth: number;
  /** RFC 6381 strings, comma-separated; null when not known (the attribute is then left out, never guessed). */
  codecs: string | null;
  /** Video only. */
  resolution: { width: number; height: number } | null;
  /** Video only; null when the source did not say. */
  frameRate: number | null;
}

/** The master playlist listing `variants` in order (subtitle renditions: masterWithSubtitles). */
export function masterPlaylist(variants: readonly VariantStream[]): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${MASTER_VERSION}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    const attributes = [`BANDWIDTH=${Math.ceil(v.bandwidth)}`, `AVERAGE-BANDWIDTH=${Math.ceil(v.averageBandwidth)}`];
    if (v.codecs) attributes.push(`CODECS="${v.codecs}"`);
    if (v.resolution) attributes.push(`RESOLUTION=${v.resolution.width}x${v.resolution.height}`);
    if (v.frameRate) attributes.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    lines.push(`${STREAM_INF}${attributes.join(',')}`, v.uri);
  }
  return lines.join('\n') + '\n';
}

/**
 * The video codec ffmpeg declared for each variant in the masters its runs wrote, by folder index
 * (v<N>/…). ffmpeg reads it from the encoder's own stream, so it is known for encoded variants;
 * for copied ones it writes no CODECS.
 */
export function videoCodecsInMasters(masters: readonly string[]): Map<number, string> {
  const codecs = new Map<number, string>();
  for (const text of masters) {
    const lines = text.split(/\r?\n/).map((l) => l.trim());
    lines.forEach((line, i) => {
      if (!line.startsWith(STREAM_INF)) return;
      const index = /^v(\d+)\//.exec(lines[i + 1] ?? '')?.[1];
      const video = (parseAttributeList(line.slice(STREAM_INF.length)).get('CODECS') ?? '').split(',').find((c) => c.startsWith('avc1.'));
      if (index !== undefined && video) codecs.set(Number(index), video);
    });
  }
  return codecs;
}

/**
 * The variants listed in a master playlist, in playlist order. Audio-only variants have no
 * RESOLUTION (height and width null); codecs null only where CODECS is absent.
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

/**
 * The variants of a finished ladder, in folder order (v0 first): codecs from the plan (variantCodecs),
 * size and frame rate of the picture, and the measured bit rates of each variant's segments plus
 * those of the largest subtitle rendition (one plays at a time beside any variant).
 */
export function variantStreams(
  plan: TranscodePlan,
  streams: MediaStreams,
  measured: { encodedVideoCodecs: ReadonlyMap<number, string>; variants: readonly SegmentBitRates[]; subtitles: readonly SegmentBitRates[] },
): VariantStream[] {
  const subtitlePeak = Math.max(0, ...measured.subtitles.map((r) => r.peak));
  const subtitleAverage = Math.max(0, ...measured.subtitles.map((r) => r.average));
  return measured.variants.map((rates, i) => {
    const rendition = plan.kind === 'video' ? plan.renditions[i] : undefined;
    return {
      uri: hlsNames.variantPlaylist(i),
      bandwidth: rates.peak + subtitlePeak,
      averageBandwidth: rates.average + subtitleAverage,
      codecs: variantCodecs(plan, streams, i, measured.encodedVideoCodecs.get(i) ?? null),
      resolution: rendition ? { width: rendition.width, height: rendition.height } : null,
      frameRate: rendition ? (streams.video?.fps ?? null) : null,
    };
  });
}
