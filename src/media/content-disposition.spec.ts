import { asciiFileStem, attachmentDisposition, encodeRfc5987, MAX_STEM_BYTES, safeFileStem } from './content-disposition';

/** What a browser does with the header: filename* (decoded) wins over filename. */
function nameFromHeader(header: string): string {
  const star = /filename\*=UTF-8''([^;\s]+)/.exec(header);
  if (star) return decodeURIComponent(star[1]);
  return /filename="([^"]*)"/.exec(header)![1];
}

// Header values must be visible ASCII and spaces only (RFC 9110 field-value; no CR/LF, no controls).
const HEADER_SAFE = /^[\x20-\x7e]+$/;

describe('attachmentDisposition', () => {
  it('keeps a plain ASCII title as it is, without filename*', () => {
    expect(attachmentDisposition('Loopback test clip', 'mp4', 'video-x')).toBe('attachment; filename="Loopback test clip.mp4"');
  });

  it('keeps a Chinese title intact in filename*, with an ASCII fallback', () => {
    const header = attachmentDisposition('我的视频：第一集', 'mp4', 'video-AbCdEfGh_-12');
    expect(header).toMatch(HEADER_SAFE);
    expect(nameFromHeader(header)).toBe('我的视频：第一集.mp4'); // a full-width colon is no path character
    expect(header).toContain('filename="video-AbCdEfGh_-12.mp4"');
  });

  it('keeps an Arabic title and a mixed one readable in both forms', () => {
    expect(nameFromHeader(attachmentDisposition('فيديو جميل', 'm4a', 'audio-1'))).toBe('فيديو جميل.m4a');
    const mixed = attachmentDisposition('Café 咖啡 — live', 'mp4', 'video-1');
    expect(mixed).toContain('filename="Cafe _ _ live.mp4"'); // each run of non-ASCII becomes one _
    expect(nameFromHeader(mixed)).toBe('Café 咖啡 — live.mp4');
  });

  it('survives a title with a broken character (a lone surrogate from yt-dlp\'s JSON), keeping the rest', () => {
    const header = attachmentDisposition('Clip \ud83d part 2 \u4e2d', 'mp4', 'video-1');
    expect(header).toContain("filename*=UTF-8''Clip%20%EF%BF%BD%20part%202%20%E4%B8%AD.mp4");
    expect(header).not.toMatch(/[\r\n]/);
  });

  it('cannot be broken by quotes, backslashes or CR/LF in the title', () => {
    const header = attachmentDisposition('He said "hi"\r\nSet-Cookie: x=1\\', 'mp4', 'video-1');
    expect(header).toMatch(HEADER_SAFE);
    expect(header.split('"').length).toBe(3); // exactly one quoted filename
    expect(nameFromHeader(header)).toBe('He said _hi_ Set-Cookie_ x=1_.mp4');
  });

  it('turns slashes and dots into a name that stays in its folder', () => {
    expect(nameFromHeader(attachmentDisposition('../../etc/passwd', 'mp4', 'video-1'))).toBe('_.._etc_passwd.mp4');
    expect(nameFromHeader(attachmentDisposition('AC/DC\\Live', 'mp4', 'video-1'))).toBe('AC_DC_Live.mp4');
    expect(nameFromHeader(attachmentDisposition('...', 'mp4', 'video-1'))).toBe('video-1.mp4');
  });

  it('drops control characters and bidi overrides that could disguise the extension', () => {
    const name = nameFromHeader(attachmentDisposition('evil\u202Egpj.exe\u0007\u0000', 'mp4', 'video-1'));
    expect(name).toBe('evil gpj.exe.mp4');
  });

  it('cuts a very long title under the byte limit, between characters, keeping the extension', () => {
    const title = '视频'.repeat(200) + '😀'.repeat(10);
    const name = nameFromHeader(attachmentDisposition(title, 'mp4', 'video-1'));
    expect(name.endsWith('.mp4')).toBe(true);
    const stem = name.slice(0, -4);
    expect(Buffer.byteLength(stem)).toBeLessThanOrEqual(MAX_STEM_BYTES);
    expect(stem).toBe('视频'.repeat(30)); // 180 bytes: 60 three-byte characters
    const emoji = safeFileStem('a' + '👍🏽'.repeat(40), 20)!; // a skin-tone emoji is one grapheme of 8 bytes
    expect(emoji).toBe('a👍🏽👍🏽');
  });

  it('uses the fallback for a missing or empty title', () => {
    expect(attachmentDisposition(null, 'm4a', 'audio-AbC')).toBe('attachment; filename="audio-AbC.m4a"');
    expect(attachmentDisposition(' \t\n', 'mp4', 'video-AbC')).toBe('attachment; filename="video-AbC.mp4"');
  });

  it('prefixes names Windows reserves', () => {
    expect(safeFileStem('CON')).toBe('_CON');
    expect(safeFileStem('nul.txt')).toBe('_nul.txt');
  });
});

describe('encodeRfc5987', () => {
  it("encodes what attr-char leaves out, including ' ( ) *", () => {
    expect(encodeRfc5987("it's (a) *test* 100%")).toBe('it%27s%20%28a%29%20%2Atest%2A%20100%25');
  });
});

describe('asciiFileStem', () => {
  it('gives null when nothing alphanumeric survives', () => {
    expect(asciiFileStem('我的视频')).toBeNull();
    expect(asciiFileStem('naïve résumé')).toBe('naive resume');
  });
});
