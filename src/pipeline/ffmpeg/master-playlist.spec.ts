import { ladderFile, masterPlaylist as ffmpegMaster, probed, segmentSizes } from './fixtures/fixtures';
import { masterPlaylist, parseAttributeList, renditionsFromMasterPlaylist, variantStreams, videoCodecsInMasters } from './master-playlist';
import { mediaPlaylistSegments, segmentBitRates } from './segment-bit-rates';
import { mediaStreamsFromFfprobe } from './media-streams';
import { planTranscode, TranscodePlan } from './transcode-policy';

describe('renditionsFromMasterPlaylist on masters ffmpeg wrote', () => {
  it('ladder: the copied 1080p variant has no CODECS, the encoded ones do (commas inside quotes)', () => {
    expect(renditionsFromMasterPlaylist(ffmpegMaster('ladder-1080p'))).toEqual([
      { height: 1080, width: 1920, bandwidth: 6098400, codecs: null },
      { height: 720, width: 1280, bandwidth: 3220800, codecs: 'avc1.64001f,mp4a.40.2' },
      { height: 360, width: 640, bandwidth: 1020800, codecs: 'avc1.64001e,mp4a.40.2' },
    ]);
  });

  it('single encoded rendition', () => {
    expect(renditionsFromMasterPlaylist(ffmpegMaster('encode-720p-from-1080p'))).toEqual([
      { height: 720, width: 1280, bandwidth: 3220800, codecs: 'avc1.64001f,mp4a.40.2' },
    ]);
  });

  it('single copied rendition, also out of MKV once a bitrate is declared', () => {
    expect(renditionsFromMasterPlaylist(ffmpegMaster('copy-720p'))).toEqual([{ height: 720, width: 1280, bandwidth: 3128400, codecs: null }]);
    expect(renditionsFromMasterPlaylist(ffmpegMaster('mkv-copy-720p'))).toEqual([{ height: 720, width: 1280, bandwidth: 3127300, codecs: null }]);
  });

  it('a copy without a known bitrate: ffmpeg lists no variant at all', () => {
    expect(renditionsFromMasterPlaylist(ffmpegMaster('mkv-copy-no-bitrate'))).toEqual([]);
  });

  it('odd source encoded to even sizes; video-only ladder without audio codecs', () => {
    expect(renditionsFromMasterPlaylist(ffmpegMaster('odd-854x481-ladder')).map((r) => [r.width, r.height])).toEqual([[852, 480], [640, 360]]);
    expect(renditionsFromMasterPlaylist(ffmpegMaster('video-only-ladder-720p'))).toEqual([
      { height: 720, width: 1280, bandwidth: 2944700, codecs: null },
      { height: 360, width: 640, bandwidth: 880000, codecs: 'avc1.64001e' },
    ]);
  });

  it('audio only: no RESOLUTION', () => {
    expect(renditionsFromMasterPlaylist(ffmpegMaster('audio-only'))).toEqual([{ height: null, width: null, bandwidth: 140800, codecs: 'mp4a.40.2' }]);
  });
});

describe('parseAttributeList', () => {
  it('keeps BANDWIDTH and AVERAGE-BANDWIDTH apart and unquotes strings', () => {
    const attrs = parseAttributeList('AVERAGE-BANDWIDTH=900,BANDWIDTH=1000,CODECS="avc1.4d401f,mp4a.40.2",FRAME-RATE=29.970');
    expect(Object.fromEntries(attrs)).toEqual({ 'AVERAGE-BANDWIDTH': '900', BANDWIDTH: '1000', CODECS: 'avc1.4d401f,mp4a.40.2', 'FRAME-RATE': '29.970' });
  });

  it('handles CRLF playlists', () => {
    const text = '#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=5,RESOLUTION=4x2\r\nv0.m3u8\r\n';
    expect(renditionsFromMasterPlaylist(text)).toEqual([{ height: 2, width: 4, bandwidth: 5, codecs: null }]);
  });
});

describe('videoCodecsInMasters: what ffmpeg declared for each variant it encoded', () => {
  it('reads the two runs of a ladder by folder index; a copied variant has none', () => {
    const runs = (ladder: string) => [ladderFile(ladder, 'master-first.m3u8'), ladderFile(ladder, 'master-rest.m3u8')];
    expect(videoCodecsInMasters(runs('cb-720p-best'))).toEqual(new Map([[1, 'avc1.64001e']]));
    expect(videoCodecsInMasters(runs('vp9-720p-best'))).toEqual(new Map([[0, 'avc1.64001f'], [1, 'avc1.64001e']]));
  });

  it('reads a one-run ladder; nothing from audio only or from a copy', () => {
    expect(videoCodecsInMasters([ffmpegMaster('ladder-1080p')])).toEqual(new Map([[1, 'avc1.64001f'], [2, 'avc1.64001e']]));
    expect(videoCodecsInMasters([ffmpegMaster('audio-only'), ffmpegMaster('copy-720p'), ''])).toEqual(new Map());
  });
});

describe('the master playlist we write', () => {
  /** What the transcode writes for a ladder of the fixtures: the probe, the plan, ffmpeg's run masters, the segments' sizes. */
  const masterFor = (probe: string, ladder: string): string => {
    const streams = mediaStreamsFromFfprobe(probed(probe));
    const plan = planTranscode(streams, 'best') as TranscodePlan;
    const sizes = segmentSizes(ladder);
    const variants = plan.renditions.map((_, i) => {
      const { targetDurationSec, segments } = mediaPlaylistSegments(ladderFile(ladder, `v${i}/index.m3u8`));
      return segmentBitRates(targetDurationSec, segments.map((s) => ({ durationSec: s.durationSec, bytes: sizes[`v${i}/${s.uri}`] })));
    });
    const encodedVideoCodecs = videoCodecsInMasters([ladderFile(ladder, 'master-first.m3u8'), ladderFile(ladder, 'master-rest.m3u8')]);
    return masterPlaylist(variantStreams(plan, streams, { encodedVideoCodecs, variants, subtitles: [] }));
  };

  it('copy + encode: every variant with both bandwidths, CODECS, RESOLUTION and FRAME-RATE (as the real run wrote it)', () => {
    expect(masterFor('h264_cbaseline_720p_mp4', 'cb-720p-best')).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=6805976,AVERAGE-BANDWIDTH=6782790,CODECS="avc1.42c01f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000',
        'v0/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=961056,AVERAGE-BANDWIDTH=940251,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000',
        'v1/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('NTSC frame rates to three decimals; AAC Main re-encoded is declared AAC-LC', () => {
    const lines = masterFor('h264_main_aacmain_480p_mp4', 'main-480p-best').split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF'));
    expect(lines.map((l) => Object.fromEntries(parseAttributeList(l.slice('#EXT-X-STREAM-INF:'.length))))).toEqual([
      { BANDWIDTH: '1298659', 'AVERAGE-BANDWIDTH': '1298659', CODECS: 'avc1.4d401f,mp4a.40.2', RESOLUTION: '854x480', 'FRAME-RATE': '29.970' },
      { BANDWIDTH: '957843', 'AVERAGE-BANDWIDTH': '957843', CODECS: 'avc1.64001e,mp4a.40.2', RESOLUTION: '640x360', 'FRAME-RATE': '29.970' },
    ]);
  });

  it('gives the job codecs for every rendition, copied or not', () => {
    expect(renditionsFromMasterPlaylist(masterFor('h264_cbaseline_720p_mp4', 'cb-720p-best'))).toEqual([
      { height: 720, width: 1280, bandwidth: 6805976, codecs: 'avc1.42c01f,mp4a.40.2' },
      { height: 360, width: 640, bandwidth: 961056, codecs: 'avc1.64001e,mp4a.40.2' },
    ]);
  });

  it('audio only: no RESOLUTION or FRAME-RATE; subtitles add their largest rendition to every variant', () => {
    const streams = mediaStreamsFromFfprobe(probed('audio_m4a'));
    const plan = planTranscode(streams, 'best') as TranscodePlan;
    const text = masterPlaylist(
      variantStreams(plan, streams, {
        encodedVideoCodecs: new Map(),
        variants: [{ peak: 140_000, average: 130_000 }],
        subtitles: [{ peak: 100, average: 100 }, { peak: 300, average: 200 }],
      }),
    );
    expect(text).toBe('#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=140300,AVERAGE-BANDWIDTH=130200,CODECS="mp4a.40.2"\nv0/index.m3u8\n');
  });

  it('leaves CODECS out rather than guess it', () => {
    const text = masterPlaylist([{ uri: 'v0/index.m3u8', bandwidth: 10, averageBandwidth: 9, codecs: null, resolution: { width: 4, height: 2 }, frameRate: null }]);
    expect(text).toContain('#EXT-X-STREAM-INF:BANDWIDTH=10,AVERAGE-BANDWIDTH=9,RESOLUTION=4x2\n');
  });
});
