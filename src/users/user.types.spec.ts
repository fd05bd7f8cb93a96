import { sessionTokenFrom } from './user.types';

const tokenFromHeaders = (headers: { authorization?: string; cookie?: string }) => sessionTokenFrom(headers)?.token ?? null;

describe('tokenFromHeaders', () => {
  it('takes a bearer token first', () => {
    expect(tokenFromHeaders({ authorization: 'Bearer abc.def', cookie: 'vp_session=zzz' })).toBe('abc.def');
  });
  it('takes the session cookie among others, decoded', () => {
    expect(tokenFromHeaders({ cookie: 'theme=dark; vp_session=a%2Eb; other=1' })).toBe('a.b');
  });
  it('is null without either, or with another scheme', () => {
    expect(tokenFromHeaders({})).toBeNull();
    expect(tokenFromHeaders({ authorization: 'Basic dXNlcjpwYXNz' })).toBeNull();
    expect(tokenFromHeaders({ cookie: 'vp_sessionx=1' })).toBeNull();
  });
});

describe('sessionTokenFrom', () => {
  it('says whether the token came from the cookie', () => {
    expect(sessionTokenFrom({ authorization: 'Bearer a.b' })).toEqual({ token: 'a.b', viaCookie: false });
    expect(sessionTokenFrom({ cookie: 'vp_session=c.d' })).toEqual({ token: 'c.d', viaCookie: true });
  });
  it('treats a broken or empty bearer header as no bearer, and malformed encoding as no session', () => {
    expect(sessionTokenFrom({ authorization: 'Bearer ', cookie: 'vp_session=c.d' })).toEqual({ token: 'c.d', viaCookie: true });
    expect(sessionTokenFrom({ cookie: 'vp_session=%E0%A4%A' })).toBeNull();
  });
});
