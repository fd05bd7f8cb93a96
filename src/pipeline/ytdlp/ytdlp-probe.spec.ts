import { readFileSync } from 'fs';
import { join } from 'path';
import { probeInfoFromJson } from './ytdlp-probe';

const probeJson = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.stdout.txt`), 'utf8'));

describe('probeInfoFromJson on real `yt-dlp -J` output', () => {
  it('describes a direct .mp4 link: title from the file name, no duration, codec or size', () => {
    expect(probeInfoFromJson(probeJson('probe-direct-mp4'))).toEqual({
      title: 'clip',
      durationSec: null,
      thumbnailUrl: null,
      extractor: 'generic',
      isLive: false,
      webpageUrl: 'http://127.0.0.1:8765/clip.mp4',
      formats: [{ formatId: 'mp4', height: null, vcodec: null, acodec: null, ext: 'mp4' }],
    });
  });

  it('takes the og:title of an html5 page without the " (1)" yt-dlp appends', () => {
    const info = probeInfoFromJson(probeJson('probe-html5-page'));
    expect(probeJson('probe-html5-page').title).toBe('Loopback Test Clip (1)');
    expect(info).toMatchObject({ title: 'Loopback Test Clip', extractor: 'html5', webpageUrl: 'http://127.0.0.1:8765/page.html' });
    expect(info.formats).toEqual([{ formatId: '0', height: null, vcodec: null, acodec: null, ext: 'mp4' }]);
  });

  it('reads duration and thumbnail from a page with schema.org JSON-LD', () => {
    expect(probeInfoFromJson(probeJson('probe-jsonld-page'))).toMatchObject({
      title: 'Structured Loopback Clip',
      durationSec: 5,
      thumbnailUrl: 'http://127.0.0.1:8765/poster.jpg',
      extractor: 'generic',
    });
  });

  it('uses the first entry of a playlist (a page with two <video> tags)', () => {
    const json = probeJson('probe-two-videos-page');
    expect(json._type).toBe('playlist');
    expect(probeInfoFromJson(json)).toMatchObject({
      title: 'Two Loopback Clips',
      extractor: 'html5',
      formats: [{ formatId: '0', height: null, vcodec: null, acodec: null, ext: 'mp4' }],
    });
  });

  it('lists DASH formats with heights, and `none` for a missing stream', () => {
    const info = probeInfoFromJson(probeJson('probe-dash-multi'));
    expect(info.formats).toEqual([
      { formatId: 'a128', height: null, vcodec: 'none', acodec: 'mp4a.40.2', ext: 'm4a' },
      { formatId: 'v360', height: 360, vcodec: 'avc1.64001e', acodec: 'none', ext: 'mp4' },
      { formatId: 'v720', height: 720, vcodec: 'avc1.64001f', acodec: 'none', ext: 'mp4' },
    ]);
    expect(info.title).toBe('manifest');
  });

  it('lists an HLS master with a separate audio group', () => {
    expect(probeInfoFromJson(probeJson('probe-hls-master')).formats).toEqual([
      { formatId: 'group_aud-audio_1', height: null, vcodec: 'none', acodec: null, ext: 'mp4' },
      { formatId: '985', height: 480, vcodec: 'avc1.64001e', acodec: 'none', ext: 'mp4' },
    ]);
    expect(probeInfoFromJson(probeJson('probe-hls')).formats).toEqual([
      { formatId: '0', height: null, vcodec: null, acodec: null, ext: 'mp4' },
    ]);
  });

  it('describes a text file behind a .mp4 link from the top level, which has no format list', () => {
    const json = probeJson('probe-text-as-mp4');
    expect(json.formats).toBeUndefined();
    expect(probeInfoFromJson(json)).toMatchObject({
      title: 'notvideo',
      formats: [{ formatId: '0', height: null, vcodec: null, acodec: null, ext: 'mp4' }],
    });
  });

  it('gives all-empty info for the "null" yt-dlp prints on stdout when probing fails', () => {
    const printed = readFileSync(join(__dirname, 'fixtures', 'probe-404.stdout.txt'), 'utf8');
    expect(printed).toBe('null\n');
    expect(probeInfoFromJson(JSON.parse(printed))).toEqual({
      title: null,
      durationSec: null,
      thumbnailUrl: null,
      extractor: null,
      isLive: false,
      webpageUrl: null,
      formats: [],
    });
  });
});

describe('probeInfoFromJson defences', () => {
  it('accepts only http(s) thumbnails, preferring the last (best) of the list', () => {
    const json = {
      ...probeJson('probe-jsonld-page'),
      thumbnail: 'file:///etc/passwd',
      thumbnails: [{ url: 'https://example.test/small.jpg' }, { url: 'https://example.test/big.jpg' }, { url: 'data:image/png;base64,AAAA' }],
    };
    expect(probeInfoFromJson(json).thumbnailUrl).toBe('https://example.test/big.jpg');
    expect(probeInfoFromJson({ ...json, thumbnails: [{ url: 'javascript:alert(1)' }] }).thumbnailUrl).toBeNull();
  });

  it('reports live streams from is_live or live_status', () => {
    const json = probeJson('probe-hls');
    expect(probeInfoFromJson({ ...json, is_live: true }).isLive).toBe(true);
    expect(probeInfoFromJson({ ...json, live_status: 'is_live' }).isLive).toBe(true);
    expect(probeInfoFromJson({ ...json, live_status: 'was_live' }).isLive).toBe(false);
  });

  it('turns wrong types into nulls and skips formats without an id', () => {
    const info = probeInfoFromJson({ title: 42, duration: 'long', formats: [{ height: 720 }, null, { format_id: 'x', height: -1 }] });
    expect(info).toMatchObject({ title: null, durationSec: null, formats: [{ formatId: 'x', height: null, vcodec: null, acodec: null, ext: null }] });
    expect(probeInfoFromJson('not json').formats).toEqual([]);
    expect(probeInfoFromJson({ _type: 'playlist', title: 'Empty list', entries: [] })).toMatchObject({ title: 'Empty list', formats: [] });
  });
});
