import { isTrustedOrigin } from './same-origin';

const own = 'http://127.0.0.1:3000';

describe('isTrustedOrigin', () => {
  it.each([
    [{ origin: own }, true],
    [{ referer: `${own}/jobs/1` }, true],
    [{ origin: 'https://evil.example' }, false],
    [{ referer: 'https://evil.example/page' }, false],
    [{ origin: 'null' }, false],
    [{ origin: 'http://127.0.0.1:3001' }, false],
    [{ origin: 'https://app.example' }, true], // listed in CORS_ORIGIN
    [{}, true], // not a browser
  ])('%j → %s', (headers, trusted) => {
    expect(isTrustedOrigin(headers, own, ['https://app.example'])).toBe(trusted);
  });
});
