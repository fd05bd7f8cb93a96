// The Netscape cookies.txt format, as browsers' export extensions and yt-dlp write it, checked
// against what yt-dlp 2023.03.04 loads (YoutubeDLCookieJar.load + Python's MozillaCookieJar).

/** The largest cookies.txt a user may upload. */
export const MAX_COOKIES_FILE_BYTES = 256 * 1024;

export interface CookieEntry {
  /** Written as a `#HttpOnly_` prefix: a cookie, not a comment. */
  httpOnly: boolean;
  /** Lower-cased; a leading dot means "this domain and its subdomains". */
  domain: string;
  path: string;
  secure: boolean;
  /** Whole seconds since 1970 as digits ("0": a session cookie). */
  expires: string;
  name: string;
  value: string;
}

export type CookiesFileResult = { ok: true; cookies: CookieEntry[] } | { ok: false; reason: string };

const HTTPONLY_PREFIX = '#httponly_';
const FIELDS = 7;
// A host name, an IPv4 address or a bracketed IPv6 one, with an optional leading dot.
const DOMAIN = /^\.?(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?|\[[0-9a-f:.]+\])$/;
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const ORDINAL = ['1st', '2nd', '3rd', '4th', '5th', '6th', '7th'];

const invalid = (reason: string): CookiesFileResult => ({ ok: false, reason });

/**
 * Reads an uploaded body. The reason, when it is refused, is a sentence that names the line and
 * the field but never repeats anything from the file: a broken line may hold a cookie's value.
 */
export function parseCookiesFile(body: Buffer | string): CookiesFileResult {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      // yt-dlp opens the file as UTF-8 and stops on anything else.
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return invalid('The file is not UTF-8 text; a cookies.txt file is plain text.');
    }
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') return invalid('The file is empty; a cookies.txt file has one cookie per line.');
  if (/^\s*[[{]/.test(text)) {
    return invalid('The file is JSON; export your cookies in the Netscape cookies.txt format instead.');
  }
  const cookies: CookieEntry[] = [];
  // Python's universal newlines: \r\n, \n and a lone \r all end a line.
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseLine(lines[i], i + 1);
    if (parsed === null) continue;
    if ('reason' in parsed) return invalid(parsed.reason);
    cookies.push(parsed);
  }
  if (!cookies.length) return invalid('The file has no cookies in it, only comments and blank lines.');
  return { ok: true, cookies };
}

/** null for a comment or a blank line. */
function parseLine(raw: string, n: number): CookieEntry | { reason: string } | null {
  let line = raw;
  let httpOnly = false;
  if (line.toLowerCase().startsWith(HTTPONLY_PREFIX)) {
    httpOnly = true;
    line = line.slice(HTTPONLY_PREFIX.length);
  } else if (line.trim() === '' || line.trimStart().startsWith('#')) {
    return null;
  }
  if (CONTROL.test(line)) return { reason: `Line ${n} has a control character; a cookies.txt line holds only text and tabs.` };
  const fields = line.split('\t');
  if (fields.length !== FIELDS) {
    const spaces = fields.length === 1 && / /.test(line) ? ' (were its tabs turned into spaces?)' : '';
    const count = `${fields.length} field${fields.length === 1 ? '' : 's'}`;
    return { reason: `Line ${n} has ${count}${spaces}; a cookies.txt line has 7 tab-separated fields.` };
  }
  const [domainField, subdomains, path, secure, expires, name, value] = fields;
  const domain = domainField.trim().toLowerCase();
  if (!domain) return { reason: `Line ${n} has no domain (the 1st field).` };
  if (!DOMAIN.test(domain)) return { reason: `Line ${n}: the domain (the 1st field) is not a host name.` };
  const flag = (field: string, index: number, what: string) =>
    /^(true|false)$/i.test(field.trim()) ? null : { reason: `Line ${n}: the ${what} field (the ${ORDINAL[index]}) must be TRUE or FALSE.` };
  const badFlag = flag(subdomains, 1, 'include-subdomains') ?? flag(secure, 3, 'secure');
  if (badFlag) return badFlag;
  if (!path.startsWith('/')) return { reason: `Line ${n}: the path (the 3rd field) must start with "/".` };
  const expiry = /^\s*(\d*)(?:\.\d+)?\s*$/.exec(expires);
  if (!expiry) {
    return { reason: `Line ${n}: the expiry (the 5th field) must be a whole number of seconds since 1970, or 0 for a session cookie.` };
  }
  return {
    httpOnly,
    domain,
    path,
    secure: secure.trim().toUpperCase() === 'TRUE',
    expires: expiry[1].replace(/^0+(?=\d)/, '') || '0',
    name,
    value,
  };
}

/**
 * The file handed to yt-dlp: its header first (Python refuses a file without one), the
 * include-subdomains flag matching the domain's leading dot (Python asserts they agree), and
 * no comments.
 */
export function cookiesFileText(cookies: readonly CookieEntry[]): string {
  const lines = cookies.map((c) =>
    [
      `${c.httpOnly ? '#HttpOnly_' : ''}${c.domain}`,
      c.domain.startsWith('.') ? 'TRUE' : 'FALSE',
      c.path,
      c.secure ? 'TRUE' : 'FALSE',
      c.expires,
      c.name,
      c.value,
    ].join('\t'),
  );
  return `# Netscape HTTP Cookie File\n${lines.join('\n')}\n`;
}

/** The sites the cookies are for: sorted, once each, without the leading dot. */
export function cookieDomains(cookies: readonly CookieEntry[]): string[] {
  return [...new Set(cookies.map((c) => c.domain.replace(/^\./, '')))].sort();
}
