import { masterPlaylist } from './fixtures/fixtures';
import { parseAttributeList, renditionsFromMasterPlaylist } from './master-playlist';

describe('renditionsFromMasterPlaylist on masters ffmpeg wrote', () => {
  it('ladder: the copied 1080p variant has no CODECS, the encoded ones do (commas inside quotes)', () => {
    expect(renditionsFromMasterPlaylist(masterPlaylist('ladder-1080p'))).toEqual([
      { height: 1080, width: 1920, bandwidth: 6098400, codecs: null },
      { height: 720, width: 1280, bandwidth: 3220800, codecs: 'avc1.64001f,mp4a.40.2' },
      { height: 360, width: 640, bandwidth: 1020800, codecs: 'avc1.64001e,mp4a.40.2' },
    ]);
  });

  it('single encoded rendition', () => {
    expect(renditionsFromMasterPlaylist(masterPlaylist('encode-720p-from-1080p'))).toEqual([
      { height: 720, width: 1280, bandwidth: 3220800, codecs: 'avc1.64001f,mp4a.40.2' },
    ]);
  });

  it('single copied rendition, also out of MKV once a bitrate is declared', () => {
    expect(renditionsFromMasterPlaylist(masterPlaylist('copy-720p'))).toEqual([{ height: 720, width: 1280, bandwidth: 3128400, codecs: null }]);
    expect(renditionsFromMasterPlaylist(masterPlaylist('mkv-copy-720p'))).toEqual([{ height: 720, width: 1280, bandwidth: 3127300, codecs: null }]);
  });

  it('a copy without a known bitrate: ffmpeg lists no variant at all', () => {
    expect(renditionsFromMasterPlaylist(masterPlaylist('mkv-copy-no-bitrate'))).toEqual([]);
  });

  it('odd source encoded to even sizes; video-only ladder without audio codecs', () => {
    expect(renditionsFromMasterPlaylist(masterPlaylist('odd-854x481-ladder')).map((r) => [r.width, r.height])).toEqual([[852, 480], [640, 360]]);
    expect(renditionsFromMasterPlaylist(masterPlaylist('video-only-ladder-720p'))).toEqual([
      { height: 720, width: 1280, bandwidth: 2944700, codecs: null },
      { height: 360, width: 640, bandwidth: 880000, codecs: 'avc1.64001e' },
    ]);
  });

  it('audio only: no RESOLUTION', () => {
    expect(renditionsFromMasterPlaylist(masterPlaylist('audio-only'))).toEqual([{ height: null, width: null, bandwidth: 140800, codecs: 'mp4a.40.2' }]);
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
