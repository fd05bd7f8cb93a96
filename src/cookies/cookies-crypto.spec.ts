import { deriveCookiesKey, openCookies, sealCookies } from './cookies-crypto';

const FILE = '# Netscape HTTP Cookie File\n.example.test\tTRUE\t/\tTRUE\t0\tSID\tsecret-sid-value\n';

describe('cookies at rest', () => {
  let key: Buffer;
  beforeAll(async () => {
    key = await deriveCookiesKey('a session secret of some length');
  });

  it('opens what it sealed, for the same user', () => {
    expect(openCookies(key, 'alice', sealCookies(key, 'alice', FILE))).toBe(FILE);
  });

  it('never stores the value in clear, and two seals of one file differ (a fresh IV each time)', () => {
    const a = sealCookies(key, 'alice', FILE);
    const b = sealCookies(key, 'alice', FILE);
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(sealed).not.toContain('secret-sid-value');
      expect(Buffer.from(sealed.slice(3), 'base64url').toString('latin1')).not.toContain('secret-sid-value');
    }
  });

  it('does not open a blob moved to another user, altered, or read with another key', async () => {
    const sealed = sealCookies(key, 'alice', FILE);
    expect(openCookies(key, 'bob', sealed)).toBeNull();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(openCookies(key, 'alice', `v1.${raw.toString('base64url')}`)).toBeNull();
    expect(openCookies(await deriveCookiesKey('another secret entirely'), 'alice', sealed)).toBeNull();
    expect(openCookies(key, 'alice', 'garbage')).toBeNull();
  });

  it('derives the same key from the same secret (api and worker processes agree)', async () => {
    expect((await deriveCookiesKey('a session secret of some length')).equals(key)).toBe(true);
  });
});
