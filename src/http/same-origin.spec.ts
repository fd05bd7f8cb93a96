import { isTrustedOrigin } from './same-origin';

const host = '127.0.0.1:3000';

describe('isTrustedOrigin', () => {
  it.each([
    [{ origin: 'http://127.0.0.1:3000' }, true],
    [{ referer: 'http://127.0.0.1:3000/jobs/1' }, true],
    [{ origin: 'https://evil.example' }, false],
    [{ referer: 'https://evil.example/page' }, false],
    [{ origin: 'null' }, false],
    [{ origin: 'http://127.0.0.1:3001' }, false],
    [{ origin: 'https://app.example' }, true], // listed in CORS_ORIGIN
    [{}, true], // not a browser
  ])('%j → %s', (headers, trusted) => {
    expect(isTrustedOrigin({ ...headers, host }, ['https://app.example'])).toBe(trusted);
  });

  it('trusts our own host behind a TLS proxy, where the scheme differs', () => {
    expect(isTrustedOrigin({ origin: 'https://videos.example', host: 'videos.example' }, [])).toBe(true);
    expect(isTrustedOrigin({ origin: 'https://videos.example.evil', host: 'videos.example' }, [])).toBe(false);
  });
});
