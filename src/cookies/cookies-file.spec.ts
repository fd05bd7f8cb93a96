import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cookieDomains, cookiesFileText, parseCookiesFile } from './cookies-file';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name));

function accepted(name: string) {
  const result = parseCookiesFile(fixture(name));
  if (!result.ok) throw new Error(`${name} was refused: ${result.reason}`);
  return result.cookies;
}

function refused(name: string): string {
  const result = parseCookiesFile(fixture(name));
  if (result.ok) throw new Error(`${name} was accepted`);
  // A refused line may hold a value: the sentence never repeats anything from the file.
  expect(result.reason).not.toMatch(/secret|example|SID|caf/i);
  return result.reason;
}

describe('files people upload', () => {
  it('reads the file yt-dlp itself wrote, session cookies and all', () => {
    const cookies = accepted('ytdlp-written.txt');
    expect(cookies.map((c) => [c.domain, c.path, c.expires, c.name, c.value])).toEqual([
      ['127.0.0.1', '/', '0', 'session_id', 'fixture-session-value-1'],
      ['127.0.0.1', '/', '1827469160', 'remember', 'fixture-remember-value-2'],
      ['127.0.0.1', '/account', '0', 'pref', 'dark'],
    ]);
    expect(cookieDomains(cookies)).toEqual(['127.0.0.1']);
  });

  it('reads a browser export with CRLF line ends, comments and #HttpOnly_ lines as cookies', () => {
    const cookies = accepted('browser-export-crlf.txt');
    expect(cookies.map((c) => c.name)).toEqual(['SID', 'HSID', 'PREF', 'lang']);
    expect(cookies.find((c) => c.name === 'HSID')).toMatchObject({ httpOnly: true, domain: '.example.test', secure: true });
    expect(cookies.find((c) => c.name === 'PREF')).toMatchObject({ httpOnly: false, path: '/watch', secure: false });
    expect(cookies.every((c) => !c.value.endsWith('\r'))).toBe(true);
    // Domains fold case and the leading dot, once each, sorted.
    expect(cookieDomains(cookies)).toEqual(['example.test', 'other.example', 'www.example.test']);
  });

  it('reads a file without the header line, with lower-case flags and an empty expiry', () => {
    const cookies = accepted('no-header-flags-disagree.txt');
    expect(cookies.map((c) => [c.name, c.expires, c.secure])).toEqual([
      ['SID', '1827469160', true],
      ['noexpiry', '0', false],
      ['mixed', '1827469160', false],
    ]);
  });

  it('takes a cookie with an empty value or an empty name, as the format allows', () => {
    const result = parseCookiesFile('.a.test\tTRUE\t/\tFALSE\t0\tempty\t\n.a.test\tTRUE\t/\tFALSE\t0\t\tnameless\n');
    expect(result.ok && result.cookies.map((c) => [c.name, c.value])).toEqual([
      ['empty', ''],
      ['', 'nameless'],
    ]);
  });
});

describe('what yt-dlp is handed', () => {
  it('starts with the header yt-dlp requires, even when the upload had none', () => {
    const text = cookiesFileText(accepted('no-header-flags-disagree.txt'));
    expect(text.split('\n')[0]).toBe('# Netscape HTTP Cookie File');
  });

  it('makes the include-subdomains flag agree with the leading dot (Python refuses the file otherwise)', () => {
    const lines = cookiesFileText(accepted('no-header-flags-disagree.txt')).trim().split('\n').slice(1);
    expect(lines.map((l) => l.split('\t').slice(0, 2))).toEqual([
      ['.example.test', 'TRUE'],
      ['www.example.test', 'FALSE'],
      ['.example.test', 'TRUE'],
    ]);
  });

  it('keeps #HttpOnly_ cookies, drops comments and CRs, and writes whole-second expiries', () => {
    const text = cookiesFileText(accepted('browser-export-crlf.txt'));
    expect(text).not.toContain('\r');
    expect(text).not.toContain('curl.haxx.se');
    expect(text).toContain('#HttpOnly_.example.test\tTRUE\t/\tTRUE\t1827469160\tHSID\tsecret-hsid-value-4\n');
    expect(text).toContain('.other.example\tTRUE\t/\tFALSE\t1827469160\tlang\tsecret-lang-value-6\n');
  });

  it('round-trips: what it writes reads back as the same cookies', () => {
    for (const name of ['ytdlp-written.txt', 'browser-export-crlf.txt', 'no-header-flags-disagree.txt']) {
      const cookies = accepted(name);
      const again = parseCookiesFile(cookiesFileText(cookies));
      expect(again.ok && again.cookies).toEqual(cookies);
    }
  });
});

describe('files that are not cookies.txt', () => {
  it('names the line and the field count of a short line', () => {
    expect(refused('five-fields.txt')).toBe('Line 4 has 5 fields; a cookies.txt line has 7 tab-separated fields.');
  });

  it('suspects tabs turned into spaces', () => {
    expect(refused('spaces-not-tabs.txt')).toBe(
      'Line 2 has 1 field (were its tabs turned into spaces?); a cookies.txt line has 7 tab-separated fields.',
    );
  });

  it('recognises a JSON export', () => {
    expect(refused('json-export.json')).toMatch(/JSON; export your cookies in the Netscape cookies\.txt format/);
  });

  it('refuses flags other than TRUE/FALSE and an expiry that is not a number', () => {
    expect(refused('bad-flag.txt')).toBe('Line 2: the include-subdomains field (the 2nd) must be TRUE or FALSE.');
    expect(refused('bad-expiry.txt')).toMatch(/^Line 2: the expiry \(the 5th field\) must be a whole number/);
  });

  it('refuses a file with no cookies, an empty body, a web page and text that is not UTF-8', () => {
    expect(refused('comments-only.txt')).toMatch(/no cookies in it/);
    expect(parseCookiesFile(Buffer.alloc(0))).toEqual({ ok: false, reason: expect.stringMatching(/empty/) });
    expect(refused('html-page.txt')).toMatch(/^Line 1 has 1 field/);
    expect(refused('latin1.txt')).toMatch(/not UTF-8/);
  });

  it('refuses a bad domain, a relative path and control characters', () => {
    const line = (fields: string[]) => parseCookiesFile(fields.join('\t'));
    expect(line(['exa mple.test', 'FALSE', '/', 'FALSE', '0', 'n', 'v'])).toMatchObject({ reason: expect.stringMatching(/domain/) });
    expect(line(['example.test', 'FALSE', 'watch', 'FALSE', '0', 'n', 'v'])).toMatchObject({ reason: expect.stringMatching(/path/) });
    expect(line(['example.test', 'FALSE', '/', 'FALSE', '0', 'n', 'v\u0000'])).toMatchObject({ reason: expect.stringMatching(/control/) });
  });
});
