import { tokenFromHeaders } from './user.types';

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
