import { matchRoute, pathOf, prefillFrom } from './routes';

describe('routes', () => {
  it('matches the dashboard routes, with or without a trailing slash', () => {
    expect(matchRoute('/')).toEqual({ name: 'list' });
    expect(matchRoute('')).toEqual({ name: 'list' });
    expect(matchRoute('/account/')).toEqual({ name: 'account' });
    expect(matchRoute('/admin/users')).toEqual({ name: 'users' });
    expect(matchRoute('/admin/workers')).toEqual({ name: 'workers' });
    expect(matchRoute('/jobs/aB3_x-9')).toEqual({ name: 'job', id: 'aB3_x-9' });
  });
  it('says not found for anything else, including ids that could not be a job', () => {
    expect(matchRoute('/jobs')).toEqual({ name: 'notFound' });
    expect(matchRoute('/jobs/a/b')).toEqual({ name: 'notFound' });
    expect(matchRoute('/jobs/%2e%2e')).toEqual({ name: 'notFound' });
    expect(matchRoute('/jobs/%E0%A4%A')).toEqual({ name: 'notFound' });
    expect(matchRoute('/admin/queues')).toEqual({ name: 'notFound' });
  });
  it('builds paths that match back', () => {
    expect(matchRoute(pathOf.job('abc'))).toEqual({ name: 'job', id: 'abc' });
    expect(matchRoute(pathOf.users())).toEqual({ name: 'users' });
  });
});

describe('the ?url= pre-fill', () => {
  it('takes a bookmarklet’s encoded link as it is', () => {
    const link = 'https://www.example.com/watch?v=abc&t=10';
    expect(prefillFrom(`?url=${encodeURIComponent(link)}`)).toBe(link);
  });
  it('finds the link in a share sheet’s text, without the sentence around it', () => {
    expect(prefillFrom('?title=Hi&text=' + encodeURIComponent('Look at this https://v.example.org/x/1.'))).toBe('https://v.example.org/x/1');
    expect(prefillFrom('?text=' + encodeURIComponent('看这个https://v.example.cn/a/2，很好看'))).toBe('https://v.example.cn/a/2');
  });
  it('prefers url over text and pre-fills nothing that is not an http(s) link', () => {
    expect(prefillFrom('?url=https://a.example/1&text=https://b.example/2')).toBe('https://a.example/1');
    expect(prefillFrom('?url=javascript:alert(1)')).toBeNull();
    expect(prefillFrom('?url=file:///etc/passwd')).toBeNull();
    expect(prefillFrom('?text=no link here')).toBeNull();
    expect(prefillFrom('')).toBeNull();
  });
});
