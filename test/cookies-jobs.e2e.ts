// How jobs use a user's own cookies: the file yt-dlp is handed loads cleanly; a loopback site that
// serves a file only with a cookie serves the owner's job and refuses another user's; a worker
// process opens what an api process stored; COOKIES_KEY is the key. The HTTP API: cookies.e2e.ts.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { cookiesFileText, parseCookiesFile } from '../src/cookies/cookies-file';
import { api, login } from './support/api';
import { type AppProcess, startApp } from './support/app';
import { CookieOrigin, filesContaining, findFiles, fixture, makeClip, putCookiesAt, redisDump, startCookieOrigin } from './support/cookies';
import { waitForState } from './support/jobs';
import { startRedis } from './support/redis';
import { useStack } from './support/stack';
import { makeTempDir, removeDir, run } from './support/util';

const stack = useStack({ app: true });

describe('what vidpipe hands yt-dlp', () => {
  let origin: CookieOrigin;
  let dir: string;
  beforeAll(async () => {
    origin = await startCookieOrigin(null);
    dir = await makeTempDir('cookies-ytdlp');
  });
  afterAll(async () => {
    await origin?.stop();
    await removeDir(dir);
  });

  it.each(['ytdlp-written.txt', 'browser-export-crlf.txt', 'no-header-flags-disagree.txt'])(
    'yt-dlp loads the rewritten %s without a warning (so its stderr never prints a cookie line)',
    async (name) => {
      const parsed = parseCookiesFile(fixture(name));
      if (!parsed.ok) throw new Error(parsed.reason);
      const file = path.join(dir, name);
      await fsp.writeFile(file, cookiesFileText(parsed.cookies), { mode: 0o600 });
      const res = await run('yt-dlp', ['--ignore-config', '--no-cache-dir', '--cookies', file, '--skip-download', '-J', '--', origin.url('/page.html')], {
        timeoutMs: 30_000,
      });
      expect(res.stderr.replace(/WARNING: \[generic\] Falling back on generic information extractor\n/, '')).toBe('');
      expect(res.code).toBe(0);
      if (name === 'ytdlp-written.txt') {
        // The 127.0.0.1 cookies for path "/" reached the site; the one for /account did not.
        expect(origin.cookieHeaders.at(-1)).toBe('session_id=fixture-session-value-1; remember=fixture-remember-value-2');
      }
    },
  );
});

// Needs the yt-dlp client to call CookiesService.writeJobCookiesFile around its runs (it does).
describe('cookies are used for their owner\'s jobs only', () => {
  const SECRET = 'secret-member-value-42';
  const memberFile = (value: string) => `# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tmember\t${value}\n`;
  let origin: CookieOrigin;
  let clipDir: string;
  beforeAll(async () => {
    clipDir = await makeTempDir('cookies-clip');
    const clip = await makeClip(clipDir);
    origin = await startCookieOrigin({ name: 'member', value: SECRET, file: clip, workDir: () => stack.app.dataDir });
  }, 30_000);
  afterAll(async () => {
    await origin?.stop();
    await removeDir(clipDir);
  });

  it("the owner's job completes with the site's cookie; another user's fails with a sentence; no value leaks", async () => {
    const [alice, bob] = [await stack.newUser(), await stack.newUser()];
    expect((await putCookiesAt(stack.app, alice.token, memberFile(SECRET))).status).toBe(204);
    const url = origin.url('/members/clip.mp4');
    const mine = await alice.post('/api/jobs', { url });
    const done = await waitForState(alice, mine.body.id, ['completed'], 60_000);
    expect(origin.cookieHeaders).toContain(`member=${SECRET}`);
    // While yt-dlp ran, its cookies file in the job's folder was readable by the owner only.
    expect(origin.cookieFileModes.length).toBeGreaterThan(0);
    expect(origin.cookieFileModes.every((m) => m === 0o600)).toBe(true);

    const theirs = await bob.post('/api/jobs', { url });
    const failed = await waitForState(bob, theirs.body.id, ['failed'], 60_000);
    expect(failed.error).toMatchObject({ code: expect.any(String), message: expect.stringMatching(/\w+ \w+/) });

    expect(await findFiles(stack.app.dataDir, 'cookies.txt')).toEqual([]); // removed after the run
    expect(JSON.stringify([done, failed])).not.toContain(SECRET);
    expect(stack.app.logs()).not.toContain(SECRET);
    expect(await filesContaining(stack.app.dataDir, SECRET)).toEqual([]);
    expect((await redisDump(stack.redis.url)).text).not.toContain(SECRET);
  }, 120_000);

  it('a worker process opens what an api process stored, with the session secret they generated together', async () => {
    const shared = await startRedis();
    const dataDir = await makeTempDir('cookies-roles');
    const apps: AppProcess[] = [];
    try {
      apps.push(await startApp({ redisUrl: shared.url, dataDir, role: 'api' }));
      apps.push(await startApp({ redisUrl: shared.url, dataDir, role: 'worker' }));
      const token = (await login(apps[0].baseUrl)).token;
      const owner = api(apps[0].baseUrl, token);
      expect((await putCookiesAt(apps[0], token, memberFile(SECRET))).status).toBe(204);
      const job = await owner.post('/api/jobs', { url: origin.url('/members/clip.mp4') });
      await waitForState(owner, job.body.id, ['completed'], 60_000);
      for (const a of apps) expect(a.logs()).not.toContain(SECRET);
    } finally {
      for (const a of apps.reverse()) await a.stop();
      await shared.stop();
      await removeDir(dataDir);
    }
  }, 120_000);

  it('COOKIES_KEY, when set, is the key; under another key stored cookies count as absent until uploaded again', async () => {
    const shared = await startRedis();
    const as = async (env: Record<string, string>) => {
      const a = await startApp({ redisUrl: shared.url, env });
      const token = (await login(a.baseUrl)).token;
      return { app: a, token, http: api(a.baseUrl, token) };
    };
    try {
      const first = await as({ COOKIES_KEY: 'the first cookies key', SESSION_SECRET: 'the first session secret' });
      expect((await putCookiesAt(first.app, first.token, memberFile(SECRET))).status).toBe(204);
      await first.app.stop();

      // A new session secret alone changes nothing for cookies: COOKIES_KEY is their key.
      const second = await as({ COOKIES_KEY: 'the first cookies key', SESSION_SECRET: 'another session secret' });
      expect((await second.http.get('/api/me/cookies')).body).toMatchObject({ present: true, domains: ['127.0.0.1'] });
      await second.app.stop();

      const third = await as({ COOKIES_KEY: 'a different cookies key', SESSION_SECRET: 'another session secret' });
      expect((await third.http.get('/api/me/cookies')).body).toEqual({ present: false, domains: [], updatedAt: null });
      const job = await third.http.post('/api/jobs', { url: origin.url('/members/clip.mp4') });
      const failed = await waitForState(third.http, job.body.id, ['failed'], 60_000);
      expect(JSON.stringify(failed)).not.toContain(SECRET);
      expect(third.app.logs()).toMatch(/do not decrypt with the current key/);
      expect(third.app.logs()).not.toContain(SECRET);
      expect((await putCookiesAt(third.app, third.token, memberFile(SECRET))).status).toBe(204);
      expect((await third.http.get('/api/me/cookies')).body.present).toBe(true);
      await third.app.stop();
    } finally {
      await shared.stop();
    }
  }, 120_000);
});
