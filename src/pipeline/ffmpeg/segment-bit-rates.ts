// Pure: the two bit rates RFC 8216 §4.1 defines for a Media Playlist, which become a variant's
// BANDWIDTH (peak) and AVERAGE-BANDWIDTH in the master playlist. Sizes include the container's
// overhead: they are what a player downloads.

export interface SegmentBitRates {
  /** bits/s: the largest rate of any run of segments lasting 0.5–1.5 × the target duration. */
  peak: number;
  /** bits/s: every segment's bits over the playlist's whole duration. */
  average: number;
}

export interface PlaylistSegment {
  uri: string;
  durationSec: number;
}

/** A media playlist's EXT-X-TARGETDURATION (null if absent) and its segments in order. */
export function mediaPlaylistSegments(text: string): { targetDurationSec: number | null; segments: PlaylistSegment[] } {
  let targetDurationSec: number | null = null;
  let pending: number | null = null;
  const segments: PlaylistSegment[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDurationSec = Number(line.slice('#EXT-X-TARGETDURATION:'.length));
    else if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#') && pending !== null) {
      segments.push({ uri: line, durationSec: pending });
      pending = null;
    }
  }
  return { targetDurationSec: Number.isFinite(targetDurationSec) ? targetDurationSec : null, segments };
}

/** Peak and average over segments given with their sizes; rounded up to whole bits/s. */
export function segmentBitRates(targetDurationSec: number | null, segments: ReadonlyArray<{ durationSec: number; bytes: number }>): SegmentBitRates {
  const totalSec = segments.reduce((sum, s) => sum + s.durationSec, 0);
  const totalBits = segments.reduce((sum, s) => sum + s.bytes * 8, 0);
  const average = totalSec > 0 ? totalBits / totalSec : 0;
  const target = targetDurationSec ?? Math.max(0, ...segments.map((s) => s.durationSec));
  let peak = 0;
  for (let i = 0; i < segments.length; i++) {
    let sec = 0;
    let bits = 0;
    for (let j = i; j < segments.length && sec + segments[j].durationSec <= 1.5 * target; j++) {
      sec += segments[j].durationSec;
      bits += segments[j].bytes * 8;
      if (sec >= 0.5 * target) peak = Math.max(peak, bits / sec);
    }
  }
  // A playlist shorter than half its target has no such run; and a peak is never below the average.
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average) };
}
