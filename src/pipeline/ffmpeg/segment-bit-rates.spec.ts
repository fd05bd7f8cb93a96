import { ladderFile, segmentSizes } from './fixtures/fixtures';
import { mediaPlaylistSegments, segmentBitRates } from './segment-bit-rates';

/** A variant's bit rates from the media playlist ffmpeg wrote and its segments' sizes on disk. */
const measured = (ladder: string, variant: number) => {
  const { targetDurationSec, segments } = mediaPlaylistSegments(ladderFile(ladder, `v${variant}/index.m3u8`));
  const sizes = segmentSizes(ladder);
  return segmentBitRates(targetDurationSec, segments.map((s) => ({ durationSec: s.durationSec, bytes: sizes[`v${variant}/${s.uri}`] })));
};

describe('mediaPlaylistSegments, on media playlists ffmpeg wrote', () => {
  it('reads the target duration and each segment with its EXTINF duration', () => {
    expect(mediaPlaylistSegments(ladderFile('vp9-720p-best', 'v1/index.m3u8'))).toEqual({
      targetDurationSec: 4,
      segments: [
        { uri: 'seg_00000.ts', durationSec: 4 },
        { uri: 'seg_00001.ts', durationSec: 4 },
        { uri: 'seg_00002.ts', durationSec: 2 },
      ],
    });
    expect(mediaPlaylistSegments(ladderFile('main-480p-best', 'v0/index.m3u8')).segments).toEqual([{ uri: 'seg_00000.ts', durationSec: 6.006 }]);
  });
});

describe('segmentBitRates (RFC 8216 §4.1)', () => {
  it('peak: the fastest run of segments lasting 0.5–1.5 × the target; average: all bits over all seconds', () => {
    // 4 s, 4 s, 2 s of 493124, 526964, 244588 bytes: the second segment alone is the fastest run.
    expect(measured('vp9-720p-best', 1)).toEqual({ peak: Math.ceil((526964 * 8) / 4), average: Math.ceil(((493124 + 526964 + 244588) * 8) / 10) });
  });

  it('a copied 720p (4 s + 2 s): the first segment is the peak', () => {
    expect(measured('cb-720p-best', 0)).toEqual({ peak: 6805976, average: 6782790 });
  });

  it('one segment: peak and average are the same', () => {
    const rate = Math.ceil((974968 * 8) / 6.006);
    expect(measured('main-480p-best', 0)).toEqual({ peak: rate, average: rate });
  });

  it('a short last segment counts only together with the one before it', () => {
    // Alone, 0.5 s of 1 MB would be 16 Mbit/s; with its neighbour (4.5 s) it is far less.
    const rates = segmentBitRates(4, [
      { durationSec: 4, bytes: 500_000 },
      { durationSec: 0.5, bytes: 1_000_000 },
    ]);
    expect(rates.peak).toBe(Math.ceil((1_500_000 * 8) / 4.5));
  });

  it('shorter than half the target: the whole playlist is the one run; never a peak below the average', () => {
    expect(segmentBitRates(10, [{ durationSec: 1, bytes: 1000 }])).toEqual({ peak: 8000, average: 8000 });
    expect(segmentBitRates(null, [])).toEqual({ peak: 0, average: 0 });
  });
});
