import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { masterPlaylist } from './fixtures/fixtures';
import { parseAttributeList, renditionsFromMasterPlaylist } from './master-playlist';
import { hasCues, masterWithSubtitles, subtitleFormatOf, subtitlePlaylist, subtitleTracks, withTimestampMap } from './subtitles';

const sub = (name: string): string => readFileSync(join(__dirname, 'fixtures', 'subtitles', name), 'utf8');

describe('subtitleFormatOf, on files the tools wrote', () => {
  it.each([
    ['zh.vtt', 'webvtt'],
    ['zh-from-srt.vtt', 'webvtt'],
    ['zh.srt', 'srt'],
    ['zh.ass', 'ass'],
  ])('%s → %s', (file, format) => expect(subtitleFormatOf(sub(file))).toBe(format));

  it('reads a BOM and CRLF lines (Windows-made SRT) as well', () => {
    expect(subtitleFormatOf('\uFEFF' + sub('zh.srt').replace(/\n/g, '\r\n'))).toBe('srt');
    expect(subtitleFormatOf('\uFEFFWEBVTT - made elsewhere\r\n\r\n')).toBe('webvtt');
  });

  it('refuses what ffmpeg cannot read as subtitles (TTML, JSON, HTML, a "WEBVTTX" look-alike)', () => {
    expect(subtitleFormatOf(sub('zh.ttml'))).toBeNull();
    expect(subtitleFormatOf('{"events":[{"tStartMs":0}]}')).toBeNull();
    expect(subtitleFormatOf('<!doctype html><title>404</title>')).toBeNull();
    expect(subtitleFormatOf('WEBVTTX\n\n')).toBeNull();
  });
});

describe('withTimestampMap', () => {
  it('puts the map in the header of ffmpeg\'s WebVTT, cues and Chinese text untouched', () => {
    const out = withTimestampMap(sub('zh-from-srt.vtt'), 126000);
    expect(out.split('\n').slice(0, 3)).toEqual(['WEBVTT', 'X-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000', '']);
    expect(out).toContain('00:00.500 --> 00:02.000\n你好，世界');
    expect(out).toContain('第二行字幕');
  });

  it('replaces a map the site already had, keeping other header lines', () => {
    const out = withTimestampMap('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\nKind: captions\n\n00:01.000 --> 00:02.000\nHi\n', 126000);
    expect(out).toBe('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\nKind: captions\n\n00:01.000 --> 00:02.000\nHi\n');
  });

  it('hasCues tells a real track from the bare header ffmpeg writes for input it could not read', () => {
    expect(hasCues(sub('zh-from-srt.vtt'))).toBe(true);
    expect(hasCues('WEBVTT\n\n')).toBe(false);
  });
});

describe('masterWithSubtitles, on masters ffmpeg wrote', () => {
  const tracks = subtitleTracks(['en', 'zh']);

  it('adds one SUBTITLES rendition per track and the group on every variant', () => {
    const out = masterWithSubtitles(masterPlaylist('ladder-1080p'), tracks);
    const lines = out.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/en.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Chinese",LANGUAGE="zh",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/zh.m3u8"',
    ]);
    const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants).toHaveLength(3);
    for (const v of variants) expect(parseAttributeList(v.slice('#EXT-X-STREAM-INF:'.length)).get('SUBTITLES')).toBe('subs');
    // The variants are still read the same (CODECS with its comma intact).
    expect(renditionsFromMasterPlaylist(out)).toEqual(renditionsFromMasterPlaylist(masterPlaylist('ladder-1080p')));
  });

  it('leaves a master without tracks exactly as ffmpeg wrote it', () => {
    expect(masterWithSubtitles(masterPlaylist('copy-720p'), [])).toBe(masterPlaylist('copy-720p'));
  });

  it('keeps quotes and line breaks of a name out of the attribute list', () => {
    const out = masterWithSubtitles(masterPlaylist('copy-720p'), [{ lang: 'en', name: 'Say "hi"\r\nX', stem: 'en' }]);
    const media = out.split('\n').find((l) => l.startsWith('#EXT-X-MEDIA:'))!;
    expect(parseAttributeList(media.slice('#EXT-X-MEDIA:'.length)).get('NAME')).toBe("Say 'hi' X");
  });
});

describe('subtitleTracks', () => {
  it('names languages in English and keeps stems safe and unique', () => {
    expect(subtitleTracks(['en', 'zh-Hans', 'pt-BR', 'live_chat', '../x'])).toEqual([
      { lang: 'en', name: 'English', stem: 'en' },
      { lang: 'zh-Hans', name: 'Simplified Chinese', stem: 'zh-Hans' },
      { lang: 'pt-BR', name: 'Brazilian Portuguese', stem: 'pt-BR' },
      { lang: 'live-chat', name: 'live-chat', stem: 'live-chat' },
      { lang: 'x', name: 'x', stem: 'x' },
    ]);
    expect(subtitleTracks(['en', 'en_'])).toEqual([
      { lang: 'en', name: 'English', stem: 'en' },
      { lang: 'en', name: 'English (2)', stem: 'en-1' },
    ]);
  });
});

describe('subtitlePlaylist', () => {
  it('is a VOD playlist of one segment as long as the video', () => {
    expect(subtitlePlaylist('zh.vtt', 6.04)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:7\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:6.040,\nzh.vtt\n#EXT-X-ENDLIST\n',
    );
  });
});
