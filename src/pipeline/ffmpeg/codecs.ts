// Pure: RFC 6381 codec strings for the CODECS attribute of a master playlist, from what ffprobe
// says of a stream (its codec, profile and level). Players pick a variant by them before fetching it.
import type { MediaStreams } from './media-streams';
import type { TranscodePlan } from './transcode-policy';

/** What ffmpeg's own AAC encoder writes (its default profile, AAC-LC). */
export const AAC_LC_CODEC = 'mp4a.40.2';

type ProbedVideo = Pick<NonNullable<MediaStreams['video']>, 'codec' | 'profile' | 'level'>;
type ProbedAudio = Pick<NonNullable<MediaStreams['audio']>, 'codec' | 'profile'>;

// ffprobe's H.264 profile names → profile_idc and the constraint-flags byte. ffprobe does not report
// that byte: this is the one x264 writes (Baseline streams get constraint_set0+1, which ffprobe then
// names "Constrained Baseline"; Main gets constraint_set1), as YouTube's H.264 formats declare too.
const H264_PROFILES: Readonly<Record<string, readonly [profileIdc: number, constraints: number]>> = {
  'Constrained Baseline': [66, 0xc0],
  Baseline: [66, 0x00],
  Main: [77, 0x40],
  Extended: [88, 0x00],
  High: [100, 0x00],
  'High 10': [110, 0x00],
  'High 4:2:2': [122, 0x00],
  'High 4:4:4 Predictive': [244, 0x00],
};
/** "High 10 Intra" and the like: the profile above with constraint_set3 (how ffmpeg tells them apart). */
const INTRA_SUFFIX = ' Intra';
const CONSTRAINT_SET3 = 0x10;

// ffprobe's AAC profile names → MPEG-4 audio object types (ISO/IEC 14496-3), the last part of mp4a.40.N.
const AAC_OBJECT_TYPES: Readonly<Record<string, number>> = {
  Main: 1,
  LC: 2,
  SSR: 3,
  LTP: 4,
  'HE-AAC': 5,
  LD: 23,
  'HE-AACv2': 29,
  ELD: 39,
};
/** The AAC kinds browsers decode (LC, HE-AAC, HE-AACv2): only these are copied as they are. */
const PLAYABLE_AAC_OBJECT_TYPES: ReadonlySet<number> = new Set([2, 5, 29]);

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** `avc1.PPCCLL` for an H.264 stream whose profile and level ffprobe knows; null otherwise. */
export function videoCodecString(video: ProbedVideo): string | null {
  if (video.codec !== 'h264' || video.profile === null || video.level === null) return null;
  const intra = video.profile.endsWith(INTRA_SUFFIX);
  const known = H264_PROFILES[intra ? video.profile.slice(0, -INTRA_SUFFIX.length) : video.profile];
  if (!known || !Number.isInteger(video.level) || video.level < 1 || video.level > 255) return null;
  const [profileIdc, constraints] = known;
  return `avc1.${hex2(profileIdc)}${hex2(constraints | (intra ? CONSTRAINT_SET3 : 0))}${hex2(video.level)}`;
}

/** `mp4a.40.N` for an AAC stream whose profile ffprobe knows; null otherwise. */
export function audioCodecString(audio: ProbedAudio): string | null {
  if (audio.codec !== 'aac' || audio.profile === null) return null;
  const objectType = AAC_OBJECT_TYPES[audio.profile];
  return objectType === undefined ? null : `mp4a.40.${objectType}`;
}

/** AAC that a browser decodes, so it can be copied into the segments as it is. */
export function isPlayableAac(audio: ProbedAudio): boolean {
  const codec = audioCodecString(audio);
  return codec !== null && PLAYABLE_AAC_OBJECT_TYPES.has(Number(codec.slice('mp4a.40.'.length)));
}

/**
 * The CODECS of variant `index`: its video — copied: from the source's profile and level; encoded:
 * what ffmpeg read from x264's own stream (`encodedVideo`) — then its audio. Null when any part is
 * unknown: a partial list would tell players the variant lacks a format it has.
 */
export function variantCodecs(plan: TranscodePlan, streams: MediaStreams, index: number, encodedVideo: string | null): string | null {
  const parts: Array<string | null> = [];
  if (plan.kind === 'video') {
    const rendition = plan.renditions[index];
    parts.push(rendition.copyVideo && streams.video ? videoCodecString(streams.video) : encodedVideo);
  }
  if (plan.audio === 'copy') parts.push(streams.audio ? audioCodecString(streams.audio) : null);
  else if (plan.audio === 'aac' || plan.kind === 'audio') parts.push(AAC_LC_CODEC);
  return parts.every((p): p is string => p !== null) && parts.length > 0 ? parts.join(',') : null;
}
