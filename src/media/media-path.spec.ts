import { contentTypeFor, mediaPathSegments } from './media-path';

const id = 'AbCdEfGh_-12';

describe('mediaPathSegments', () => {
  it.each([
    [['master.m3u8'], ['master.m3u8']],
    [['v0', 'index.m3u8'], ['v0', 'index.m3u8']],
    ['v1/seg_00003.ts', ['v1', 'seg_00003.ts']],
  ])('accepts %j', (file, expected) => {
    expect(mediaPathSegments(id, file)).toEqual(expected);
  });

  it.each([
    ['..', ['..', 'etc', 'passwd']],
    ['a decoded %2e%2e', ['v0', '..', 'x']],
    ['a decoded %2f inside a segment', ['v0/../../x']],
    ['an absolute path', ['', 'etc', 'passwd']],
    ['a dot-file', ['.redis']],
    ['a backslash', ['..\\x']],
    ['a NUL byte', ['a\u0000.ts']],
    ['an empty path', []],
    ['a non-string', [42]],
  ])('refuses %s', (_, file) => {
    expect(mediaPathSegments(id, file)).toBeNull();
  });

  it('refuses job ids that are not ours', () => {
    expect(mediaPathSegments('../media', ['x.ts'])).toBeNull();
    expect(mediaPathSegments('short', ['x.ts'])).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['master.m3u8', 'application/vnd.apple.mpegurl'],
    ['seg_00001.ts', 'video/mp2t'],
    ['init.m4s', 'video/iso.segment'],
    ['poster.jpg', 'image/jpeg'],
    ['zh.vtt', 'text/vtt; charset=utf-8'],
    ['file.mp4', 'video/mp4'],
    ['file.m4a', 'audio/mp4'],
    ['x.bin', 'application/octet-stream'],
  ])('%s → %s', (file, type) => expect(contentTypeFor(file)).toBe(type));
});
