// Starting up (private Redis, first admin, bad config), sessions, and the URL policy.
import fs from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import { api, login } from './support/api';
import { type AppProcess, spawnApp, startApp } from './support/app';
import { connectJobsSocket, subscribe, waitForState } from './support/jobs';
import { processesMatching } from './support/process';
import { startRedis } from './support/redis';
import { useStack } from './support/stack';
import { makeTempDir, removeDir } from './support/util';

describe('first start on a fresh DATA_DIR, without REDIS_URL or ADMIN_PASSWORD', () => {
  const stack = useStack({ dataDir: true });

  it('starts a private Redis, prints the admin login once, and keeps jobs across a restart', async () => {
    const first = await startApp({ dataDir: stack.dataDir, env: { ADMIN_PASSWORD: '' } });
    let second: AppProcess | undefined;
    try {
      const printed = /username: (\S+)\s+password: (\S+)/.exec(first.logs());
      expect(printed).not.toBeNull();
      const [, username, password] = printed!;
      expect(fs.existsSync(path.join(stack.dataDir, 'redis', 'redis.sock'))).toBe(true);
      const { token } = await login(first.baseUrl, username, password);
      const http = api(first.baseUrl, token);
      // Nothing listens on port 9 (discard): the job fails fast, and it must survive the restart.
      const { body: job } = await http.post('/api/jobs', { url: 'http://127.0.0.1:9/x.mp4' });
      await first.stop();
      expect(processesMatching(new RegExp(`redis-server.*${path.basename(stack.dataDir)}`))).toHaveLength(0);

      second = await startApp({ dataDir: stack.dataDir, env: { ADMIN_PASSWORD: '' } });
      expect(second.logs()).not.toMatch(/password:/);
      const again = await login(second.baseUrl, username, password);
      const kept = await api(second.baseUrl, again.token).get(`/api/jobs/${job.id}`);
      expect(kept.status).toBe(200);
      expect(kept.body.url).toBe('http://127.0.0.1:9/x.mp4');
    } finally {
      await first.stop();
      await second?.stop();
    }
  }, 60_000);
});

it('an api and a worker on one DATA_DIR share its private Redis, and the last one out stops it', async () => {
  const dataDir = await makeTempDir('vidpipe-shared-');
  const redisOf = () => processesMatching(new RegExp(`redis-server.*${path.basename(dataDir)}`));
  try {
    const apiProc = await startApp({ dataDir, role: 'api', spareSharedRedis: true });
    const worker = await startApp({ dataDir, role: 'worker' });
    expect(worker.logs()).toMatch(/Using the private Redis/);
    expect(redisOf()).toHaveLength(1);
    await apiProc.stop();
    expect(redisOf()).toHaveLength(1); // the worker still uses it
    await worker.stop();
    expect(redisOf()).toHaveLength(0);
  } finally {
    await removeDir(dataDir);
  }
}, 60_000);

it('a new ADMIN_PASSWORD at start ends the sessions made with the old one', async () => {
  const dataDir = await makeTempDir('vidpipe-adminpw-');
  try {
    const first = await startApp({ dataDir, env: { ADMIN_PASSWORD: 'first-admin-password' } });
    const old = await login(first.baseUrl, 'admin', 'first-admin-password');
    await first.stop();
    const second = await startApp({ dataDir, env: { ADMIN_PASSWORD: 'second-admin-password' } });
    try {
      expect((await api(second.baseUrl, old.token).get('/api/jobs')).status).toBe(401);
      await expect(login(second.baseUrl, 'admin', 'first-admin-password')).rejects.toThrow();
      expect((await login(second.baseUrl, 'admin', 'second-admin-password')).token).toBeTruthy();
    } finally {
      await second.stop();
    }
  } finally {
    await removeDir(dataDir);
  }
}, 60_000);

it('with a tool missing, health says which and a job fails with a sentence, and the server carries on', async () => {
  const redis = await startRedis();
  // Not startApp: its readiness check waits for a healthy /api/health, which this app never is.
  const app = await spawnApp({ redisUrl: redis.url, env: { YTDLP_PATH: '/nonexistent/yt-dlp' } });
  try {
    for (let i = 0; !app.logs().includes('listening on'); i++) {
      if (i > 200) throw new Error(`not listening:\n${app.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const anonymous = api(app.baseUrl, '');
    const health = await anonymous.get('/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ code: 'unhealthy', message: 'Not healthy: ytdlp failed.' });
    expect(health.body.details.redis.status).toBe('up');
    const http = api(app.baseUrl, (await login(app.baseUrl)).token);
    const { body } = await http.post('/api/jobs', { url: 'http://127.0.0.1:9/x.mp4' });
    const done = await waitForState(http, body.id, ['failed'], 20_000);
    expect(done.error!.code).toBe('internal_error');
    expect(done.error!.message).toMatch(/\/nonexistent\/yt-dlp is not installed/);
    expect((await http.get('/api/jobs')).status).toBe(200);
  } finally {
    await app.stop();
    await redis.stop();
  }
}, 60_000);

it('refuses a bad configuration with a message naming the variable', async () => {
  const app = await spawnApp({ env: { PORT: 'eighty', DOWNLOAD_CONCURRENCY: '0' } });
  const exit = await app.exited;
  expect(exit.code).toBe(2);
  expect(app.logs()).toMatch(/PORT/);
  expect(app.logs()).toMatch(/DOWNLOAD_CONCURRENCY: must be above 0/);
});

describe('sessions and the private-address policy', () => {
  const stack = useStack({ app: { env: { ALLOW_PRIVATE_URLS: 'false' } } });

  it('refuses a wrong password with 401 and a sentence', async () => {
    const res = await api(stack.app.baseUrl, '').post('/api/auth/login', { username: 'admin', password: 'nope-nope' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'bad_credentials' });
  });

  it('needs a valid session for REST, media and the socket', async () => {
    const anonymous = api(stack.app.baseUrl, '');
    expect((await anonymous.get('/api/jobs')).status).toBe(401);
    expect((await anonymous.get('/media/AAAAAAAAAAAA/master.m3u8')).status).toBe(401);
    const forged = api(stack.app.baseUrl, 'Zm9yZ2Vk.c2lnbmF0dXJl');
    expect((await forged.get('/api/jobs')).status).toBe(401);
    await expect(connectJobsSocket(stack.app.baseUrl, 'not-a-token')).rejects.toThrow(/unauthorized/);
  });

  it('accepts the session cookie, and logout ends the session everywhere', async () => {
    const { token, cookie } = await login(stack.app.baseUrl);
    const viaCookie = await api(stack.app.baseUrl, '').request('GET', '/api/auth/me', undefined, { Cookie: cookie });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.user.username).toBe('admin');
    const socket = io(`${stack.app.baseUrl}/jobs`, { transports: ['websocket'], extraHeaders: { Cookie: cookie }, reconnection: false });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    socket.disconnect();
    const http = api(stack.app.baseUrl, token);
    expect((await http.post('/api/auth/logout')).status).toBe(204);
    expect((await http.get('/api/jobs')).status).toBe(401);
  });

  it('answers not_found for a job that does not exist, on REST and the socket alike', async () => {
    const { token } = await login(stack.app.baseUrl);
    expect((await api(stack.app.baseUrl, token).get('/api/jobs/AAAAAAAAAAAA')).status).toBe(404);
    const socket = await connectJobsSocket(stack.app.baseUrl, token);
    try {
      expect(await subscribe(socket, 'AAAAAAAAAAAA')).toEqual({ ok: false, error: 'not_found' });
    } finally {
      socket.disconnect();
    }
  });

  it.each([
    'http://127.0.0.1:8080/video.mp4',
    'http://localhost/video.mp4',
    'http://[::1]/video.mp4',
    'http://169.254.169.254/latest/meta-data/',
    'http://0x7f000001/video.mp4',
    'http://10.0.0.8/video.mp4',
  ])('refuses the private address %s with 400 private_address', async (url) => {
    const { token } = await login(stack.app.baseUrl);
    const res = await api(stack.app.baseUrl, token).post('/api/jobs', { url });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('private_address');
    expect(res.body.message).toMatch(/\w+ \w+/);
  });
});
