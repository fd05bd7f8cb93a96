// Safe to expose behind a reverse proxy: headers, CORS, cross-site requests, login lockout,
// per-user quotas, size and length limits, and Bull Board for admins only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import { api, login } from './support/api';
import { startApp } from './support/app';
import { connectJobsSocket, isFinal, waitForState } from './support/jobs';
import { startRedis } from './support/redis';
import { useStack } from './support/stack';

const LIMITS = {
  CORS_ORIGIN: 'https://app.example',
  LOGIN_MAX_FAILURES: '5',
  USER_MAX_ACTIVE_JOBS: '2',
  USER_MAX_JOBS_PER_MINUTE: '4',
  USER_MAX_MEDIA_BYTES: '1',
  MAX_DURATION_SECONDS: '5',
  TRUST_PROXY: 'loopback', // the tests play the TLS reverse proxy on loopback
};

const stack = useStack({ media: { servers: { slow: { bytesPerSecond: 20_000 } } }, app: { env: LIMITS } });

it('sends helmet headers and no CORS headers for an unlisted origin', async () => {
  const res = await fetch(`${stack.app.baseUrl}/api/health`, { headers: { Origin: 'https://evil.example' } });
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  // Served over plain http on a LAN, the page must still load its own scripts.
  expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  const listed = await fetch(`${stack.app.baseUrl}/api/jobs`, {
    method: 'OPTIONS',
    headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
  });
  expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example');
});

describe('a request made by another site with the cookie is refused', () => {
  const post = (headers: Record<string, string>) =>
    api(stack.app.baseUrl, '').request('POST', '/api/jobs', { url: stack.server.url('/missing.mp4') }, headers);

  it('refuses a cross-site POST carrying the cookie', async () => {
    const res = await post({ Cookie: stack.admin.cookie, Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('cross_site_request');
  });

  it('accepts the same request from our own origin, a listed origin, or with a bearer token', async () => {
    expect((await post({ Cookie: stack.admin.cookie, Origin: stack.app.baseUrl })).status).toBe(201);
    expect((await post({ Cookie: stack.admin.cookie, Origin: 'https://app.example' })).status).toBe(201);
    const bearer = await stack.admin.request('POST', '/api/jobs', { url: stack.server.url('/missing.mp4') }, { Origin: 'https://evil.example' });
    expect(bearer.status).toBe(201);
  });

  it('refuses a socket from another site riding on the cookie', async () => {
    const connect = (origin: string) =>
      new Promise<string>((resolve) => {
        const s = io(`${stack.app.baseUrl}/jobs`, { transports: ['websocket'], extraHeaders: { Cookie: stack.admin.cookie, Origin: origin }, reconnection: false });
        s.once('connect', () => (s.disconnect(), resolve('connected')));
        s.once('connect_error', (e) => resolve(e.message));
      });
    expect(await connect('https://evil.example')).toBe('unauthorized');
    expect(await connect(stack.app.baseUrl)).toBe('connected');
  });
});

it('locks an account after LOGIN_MAX_FAILURES wrong passwords: thirty in a row get 429s', async () => {
  const target = await stack.newUser();
  const statuses: number[] = [];
  let lastBody: { message?: string } = {};
  for (let i = 0; i < 30; i++) {
    const res = await api(stack.app.baseUrl, '').post('/api/auth/login', { username: target.username, password: `wrong-${i}` });
    statuses.push(res.status);
    lastBody = res.body;
  }
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
  expect(lastBody.message).toMatch(/Too many failed logins\. Try again in \d+ minutes?\./);
  // Even the right password waits; the sessions it already had keep working.
  const right = await api(stack.app.baseUrl, '').post('/api/auth/login', { username: target.username, password: target.password });
  expect(right.status).toBe(429);
  expect((await target.get('/api/jobs')).status).toBe(200);
}, 60_000);

it('counts guesses sent in parallel: at most LOGIN_MAX_FAILURES passwords are tried', async () => {
  const target = await stack.newUser();
  const statuses = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      api(stack.app.baseUrl, '')
        .request('POST', '/api/auth/login', { username: target.username, password: `parallel-${i}` }, { 'X-Forwarded-For': '198.51.100.4' })
        .then((r) => r.status),
    ),
  );
  expect(statuses.filter((s) => s === 401)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(35);
}, 60_000);

it('limits failed logins per client address too, across account names', async () => {
  const from = (address: string, username: string) =>
    api(stack.app.baseUrl, '').request('POST', '/api/auth/login', { username, password: 'guess' }, { 'X-Forwarded-For': address });
  const statuses: number[] = [];
  for (let i = 0; i < 16; i++) statuses.push((await from('203.0.113.7', `nobody${i}`)).status);
  expect(statuses.slice(0, 15).every((s) => s === 401)).toBe(true); // 3 × LOGIN_MAX_FAILURES
  expect(statuses[15]).toBe(429);
  expect((await from('203.0.113.8', 'nobody0')).status).toBe(401); // another address is not held back
}, 60_000);

it('marks the session cookie Secure when the reverse proxy says the client used https', async () => {
  const res = await fetch(`${stack.app.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-Proto': 'https' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/vp_session=/);
  expect(cookie).toMatch(/; Secure/);
  expect(cookie).toMatch(/; HttpOnly/);
  expect(cookie).toMatch(/; SameSite=Lax/);
  const plain = await fetch(`${stack.app.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
});

describe('per-user limits', () => {
  it('refuses a third job at once with 429 while two are running', async () => {
    const u = await stack.newUser();
    for (let i = 0; i < 2; i++) expect((await u.post('/api/jobs', { url: stack.servers.slow.url('/clip.mp4') })).status).toBe(201);
    const third = await u.post('/api/jobs', { url: stack.servers.slow.url('/clip.mp4') });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'too_many_jobs' });
    expect(third.body.message).toMatch(/2 jobs queued or running/);
    const mine = (await u.get('/api/jobs')).body.items as { id: string }[];
    await Promise.all(mine.map((j) => u.post(`/api/jobs/${j.id}/cancel`)));
    expect((await u.post('/api/jobs', { url: stack.server.url('/missing.mp4') })).status).toBe(201);
  });

  it('holds to the limit when submissions arrive all at once', async () => {
    const u = await stack.newUser();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => u.post('/api/jobs', { url: stack.servers.slow.url('/clip.mp4') }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const mine = (await u.get('/api/jobs')).body.items as { id: string }[];
    expect(mine).toHaveLength(2);
    await Promise.all(mine.map((j) => u.post(`/api/jobs/${j.id}/cancel`)));
  });

  it('refuses the fifth submission within a minute with 429', async () => {
    const u = await stack.newUser();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await u.post('/api/jobs', { url: stack.server.url('/missing.mp4') });
      statuses.push(res.status);
      if (res.status === 201) await waitForState(u, res.body.id, ['failed'], 20_000);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    // A retry downloads again: it counts as a submission, and waits for the minute like one.
    const [failed] = (await u.get('/api/jobs')).body.items as { id: string }[];
    const retried = await u.post(`/api/jobs/${failed.id}/retry`);
    expect(retried.status).toBe(429);
    expect(retried.body.code).toBe('too_many_submissions');
    expect((await u.get(`/api/jobs/${failed.id}`)).body.state).toBe('failed');
  }, 60_000);

  it('refuses new jobs with 413 once the stored media reach the quota, until some are deleted', async () => {
    const u = await stack.newUser();
    const broken = await u.post('/api/jobs', { url: stack.server.url('/missing.mp4') });
    await waitForState(u, broken.body.id, ['failed'], 20_000);
    const first = await u.post('/api/jobs', { url: stack.server.url('/clip.webm'), format: '480p' });
    await waitForState(u, first.body.id, ['completed'], 60_000);
    const second = await u.post('/api/jobs', { url: stack.server.url('/clip.webm') });
    expect(second.status).toBe(413);
    // No side door: a retry is held to the quota as a new job is.
    const retried = await u.post(`/api/jobs/${broken.body.id}/retry`);
    expect(retried.status).toBe(413);
    expect(retried.body.code).toBe('storage_full');
    expect(second.body.code).toBe('storage_full');
    expect(second.body.message).toMatch(/delete some to make room/);
    expect((await u.del(`/api/jobs/${first.body.id}`)).status).toBe(204);
    expect((await u.post('/api/jobs', { url: stack.server.url('/missing.mp4') })).status).toBe(201);
  }, 90_000);

  it('does not hold admins to the per-user limits', async () => {
    for (let i = 0; i < 3; i++) expect((await stack.admin.post('/api/jobs', { url: stack.servers.slow.url('/clip.webm') })).status).toBe(201);
    const mine = (await stack.admin.get('/api/jobs?limit=100')).body.items as { id: string; state: string }[];
    await Promise.all(mine.filter((j) => !isFinal(j.state)).map((j) => stack.admin.post(`/api/jobs/${j.id}/cancel`)));
  });
});

it('stops a video of unknown length once its output passes MAX_DURATION_SECONDS', async () => {
  // Written to a pipe, Matroska carries no duration: the length is learnt only while converting.
  const out = fs.openSync(path.join(stack.mediaDir, 'no-duration.webm'), 'w');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-t', '12', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'matroska', 'pipe:1'], { stdio: ['ignore', out, 'inherit'] });
  fs.closeSync(out);
  const { body } = await stack.admin.post('/api/jobs', { url: stack.server.url('/no-duration.webm'), format: '480p' });
  const done = await waitForState(stack.admin, body.id, ['failed'], 60_000);
  expect(done.error!.code).toBe('too_large');
  expect(done.error!.message).toMatch(/this server takes videos up to 5 s/);
  expect(fs.existsSync(path.join(stack.app.dataDir, 'media', body.id))).toBe(false);
}, 90_000);

it('stops a video longer than MAX_DURATION_SECONDS with too_large', async () => {
  const { body } = await stack.admin.post('/api/jobs', { url: stack.server.url('/clip.mp4') }); // 6 s > 5 s
  const done = await waitForState(stack.admin, body.id, ['failed'], 30_000);
  expect(done.error!.code).toBe('too_large');
  expect(done.error!.message).toMatch(/6 s long; this server takes videos up to 5 s/);
}, 60_000);

it('stops a download larger than MAX_DOWNLOAD_BYTES with too_large, for a file and for HLS', async () => {
  const ownRedis = await startRedis(); // its own: the other app's workers must not take these jobs
  const small = await startApp({ redisUrl: ownRedis.url, env: { MAX_DOWNLOAD_BYTES: '100000' } });
  try {
    const http = api(small.baseUrl, (await login(small.baseUrl)).token);
    // An unknown key method makes yt-dlp hand the HLS download to ffmpeg, which reports no progress.
    const playlist = fs.readFileSync(path.join(stack.mediaDir, 'hls', 'index.m3u8'), 'utf8');
    fs.writeFileSync(path.join(stack.mediaDir, 'hls', 'via-ffmpeg.m3u8'), playlist.replace('#EXTM3U', '#EXTM3U\n## #EXT-X-KEY:METHOD=SAMPLE-AES'));
    for (const file of ['/clip.mp4', '/hls/index.m3u8', '/hls/via-ffmpeg.m3u8']) {
      const { body } = await http.post('/api/jobs', { url: stack.server.url(file) });
      const done = await waitForState(http, body.id, ['failed'], 30_000);
      expect(done.error).toMatchObject({ code: 'too_large' });
      expect(done.error!.message).toMatch(/larger than the download size limit \(100 KB\)/);
    }
  } finally {
    await small.stop();
    await ownRedis.stop();
  }
}, 90_000);

describe('Bull Board at /admin/queues', () => {
  it.each([
    ['/admin/queues', 401],
    ['/admin/queues/api/queues', 401],
  ])('anonymous %s → %d', async (route, status) => {
    expect((await fetch(`${stack.app.baseUrl}${route}`)).status).toBe(status);
  });

  it('is forbidden to plain users, page and JSON API alike', async () => {
    const u = await stack.newUser();
    expect((await u.get('/admin/queues')).status).toBe(403);
    expect((await u.get('/admin/queues/api/queues')).status).toBe(403);
  });

  it('shows admins every queue', async () => {
    const page = await fetch(`${stack.app.baseUrl}/admin/queues`, { headers: { Cookie: stack.admin.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('vidpipe queues');
    const queues = await stack.admin.get('/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    expect((queues.body.queues as { name: string }[]).map((q) => q.name).sort()).toEqual(['download', 'reconcile', 'retention', 'subscriptions', 'transcode', 'webhooks']);
  });
});

it('keeps an unauthenticated socket out', async () => {
  await expect(connectJobsSocket(stack.app.baseUrl, '')).rejects.toThrow(/unauthorized/);
});
