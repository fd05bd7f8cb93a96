// A user's own cookies.txt over HTTP: upload, read back (never a value), delete, bad input,
// isolation, cross-site refusal, and the value nowhere in clear (Redis, the data folder, logs).
// How jobs use them: test/cookies-jobs.e2e.ts.
import { promises as fsp } from 'node:fs';
import { api, login } from './support/api';
import { startApp } from './support/app';
import { BROWSER_VALUES, filesContaining, findFiles, fixture, putCookiesAt, redisDump, redisKeysMatching, UploadBody, VALUE_MARK } from './support/cookies';
import { useStack } from './support/stack';
import { makeTempDir, removeDir } from './support/util';

const stack = useStack({ app: true });

const putCookies = (token: string, body: UploadBody, headers: Record<string, string> = {}) => putCookiesAt(stack.app, token, body, headers);

describe('upload, read back and delete', () => {
  it('starts empty, stores a browser export, and shows its sites but never a value', async () => {
    const alice = await stack.newUser();
    expect((await alice.get('/api/me/cookies')).body).toEqual({ present: false, domains: [], updatedAt: null });
    const before = Date.now();
    const put = await putCookies(alice.token, fixture('browser-export-crlf.txt'));
    expect(put.status).toBe(204);
    expect(put.text).toBe('');
    const res = await fetch(`${stack.app.baseUrl}/api/me/cookies`, { headers: { Authorization: `Bearer ${alice.token}` } });
    const raw = await res.text();
    expect(raw).not.toMatch(VALUE_MARK);
    expect(raw).not.toMatch(/SID|HSID|PREF|lang/); // not even the names
    const body = JSON.parse(raw);
    expect(body).toEqual({ present: true, domains: ['example.test', 'other.example', 'www.example.test'], updatedAt: expect.any(String) });
    expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('replaces the earlier file on a second upload', async () => {
    const alice = await stack.newUser();
    expect((await putCookies(alice.token, fixture('browser-export-crlf.txt'))).status).toBe(204);
    expect((await putCookies(alice.token, fixture('ytdlp-written.txt'))).status).toBe(204);
    expect((await alice.get('/api/me/cookies')).body.domains).toEqual(['127.0.0.1']);
  });

  it('DELETE answers 204 and the cookies are gone', async () => {
    const alice = await stack.newUser();
    await putCookies(alice.token, fixture('ytdlp-written.txt'));
    expect((await alice.del('/api/me/cookies')).status).toBe(204);
    expect((await alice.get('/api/me/cookies')).body).toEqual({ present: false, domains: [], updatedAt: null });
    expect(await redisKeysMatching(stack.redis.url, `vp:cookies:${alice.id}`)).toEqual([]);
    expect((await alice.del('/api/me/cookies')).status).toBe(204); // already gone: still 204
  });
});

describe('bad input stores nothing', () => {
  it('answers 400 invalid_cookies with the line and field count, never echoing the file', async () => {
    const alice = await stack.newUser();
    await putCookies(alice.token, fixture('ytdlp-written.txt'));
    const before = (await alice.get('/api/me/cookies')).body;
    const bad = await putCookies(alice.token, fixture('five-fields.txt'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, code: 'invalid_cookies' });
    expect(bad.body.message).toMatch(/line 4 has 5 fields; a cookies\.txt line has 7 tab-separated fields/i);
    expect(bad.text).not.toMatch(VALUE_MARK);
    expect((await alice.get('/api/me/cookies')).body).toEqual(before);
  });

  it('refuses a JSON export, a file that is not UTF-8, and an empty body, each with a sentence', async () => {
    const alice = await stack.newUser();
    for (const [body, says] of [
      [fixture('json-export.json'), /JSON/],
      [fixture('latin1.txt'), /UTF-8/],
      ['', /empty/],
    ] as const) {
      const res = await putCookies(alice.token, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_cookies');
      expect(res.body.message).toMatch(says);
      expect(res.text).not.toMatch(VALUE_MARK);
    }
    expect((await alice.get('/api/me/cookies')).body.present).toBe(false);
  });

  it('answers 413 to 300 KiB, whether its length is announced or streamed, and keeps the old file', async () => {
    const alice = await stack.newUser();
    await putCookies(alice.token, fixture('ytdlp-written.txt'));
    const before = (await alice.get('/api/me/cookies')).body;
    const line = '.big.test\tTRUE\t/\tFALSE\t0\tname\tsecret-big-value-99\n';
    const big = Buffer.from(`# Netscape HTTP Cookie File\n${line.repeat(Math.ceil((300 * 1024) / line.length))}`);
    const announced = await putCookies(alice.token, big);
    expect(announced.status).toBe(413);
    expect(announced.body).toMatchObject({ statusCode: 413, code: 'cookies_too_large', message: expect.stringMatching(/256 KiB/) });
    const streamed = await putCookies(
      alice.token,
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < big.length; i += 16 * 1024) controller.enqueue(big.subarray(i, i + 16 * 1024));
          controller.close();
        },
      }),
    );
    expect(streamed.status).toBe(413);
    expect(streamed.body.code).toBe('cookies_too_large');
    expect((await alice.get('/api/me/cookies')).body).toEqual(before);
    // Just under the limit is fine.
    const fits = Buffer.from(line.repeat(Math.floor((256 * 1024) / line.length)));
    expect((await putCookies(alice.token, fits)).status).toBe(204);
  });

  it('sent as JSON by mistake, answers 400 invalid_json without quoting the body back', async () => {
    const alice = await stack.newUser();
    const res = await putCookies(alice.token, fixture('ytdlp-written.txt'), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_json', message: 'The body is not valid JSON.' });
    expect(res.text).not.toMatch(VALUE_MARK);
    expect(res.text).not.toMatch(/Netscape|fixture-session-value/);
    expect((await alice.get('/api/me/cookies')).body.present).toBe(false);
  });

  it("refuses a form-encoded body (curl --data's default) with 415 and a sentence saying what to send", async () => {
    const alice = await stack.newUser();
    const res = await putCookies(alice.token, fixture('ytdlp-written.txt'), { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.message).toMatch(/text\/plain/);
    expect((await alice.get('/api/me/cookies')).body.present).toBe(false);
  });
});

describe('only the owner, only with a session, only from this site', () => {
  it('a second user sees none of the first user\'s cookies and cannot delete them', async () => {
    const [alice, bob] = [await stack.newUser(), await stack.newUser()];
    await putCookies(alice.token, fixture('browser-export-crlf.txt'));
    expect((await bob.get('/api/me/cookies')).body).toEqual({ present: false, domains: [], updatedAt: null });
    expect((await bob.del('/api/me/cookies')).status).toBe(204);
    expect((await alice.get('/api/me/cookies')).body.present).toBe(true);
  });

  it('answers 401 without a session', async () => {
    const anonymous = api(stack.app.baseUrl, '');
    expect((await anonymous.get('/api/me/cookies')).status).toBe(401);
    expect((await anonymous.del('/api/me/cookies')).status).toBe(401);
    const put = await putCookies('', fixture('ytdlp-written.txt'));
    expect(put.status).toBe(401);
    expect(put.body.code).toBe('unauthorized');
  });

  it('refuses a cross-site PUT or DELETE made with the cookie, and takes the same from this site', async () => {
    const before = (await stack.admin.get('/api/me/cookies')).body;
    const evil = { Cookie: stack.admin.cookie, Origin: 'https://evil.example' };
    const put = await putCookies('', fixture('browser-export-crlf.txt'), evil);
    expect(put.status).toBe(403);
    expect(put.body.code).toBe('cross_site_request');
    expect((await stack.admin.get('/api/me/cookies')).body).toEqual(before);
    expect((await putCookies('', fixture('ytdlp-written.txt'), { Cookie: stack.admin.cookie, Origin: stack.app.baseUrl })).status).toBe(204);
    const del = await api(stack.app.baseUrl, '').request('DELETE', '/api/me/cookies', undefined, evil);
    expect(del.status).toBe(403);
    expect((await stack.admin.get('/api/me/cookies')).body.present).toBe(true);
    await stack.admin.del('/api/me/cookies');
  });

  it('removing an account removes its cookies', async () => {
    const carol = await stack.newUser();
    await putCookies(carol.token, fixture('ytdlp-written.txt'));
    expect(await redisKeysMatching(stack.redis.url, `vp:cookies:${carol.id}`)).toHaveLength(1);
    expect((await stack.admin.del(`/api/users/${carol.id}`)).status).toBe(204);
    expect(await redisKeysMatching(stack.redis.url, `vp:cookies:${carol.id}`)).toEqual([]);
  });
});

describe('nowhere in clear', () => {
  it('keeps no value in clear in any Redis key or value, or in the logs', async () => {
    const alice = await stack.newUser();
    expect((await putCookies(alice.token, fixture('browser-export-crlf.txt'))).status).toBe(204);
    expect((await alice.get('/api/me/cookies')).body.present).toBe(true);
    const dump = await redisDump(stack.redis.url);
    expect(dump.keys).toBeGreaterThan(5);
    for (const value of BROWSER_VALUES) {
      expect(dump.text).not.toContain(value);
      expect(stack.app.logs()).not.toContain(value);
    }
    expect(dump.text).toContain(`vp:cookies:${alice.id}`); // stored, just not in clear
  });

  it("keeps no value in clear in the data folder, the private Redis's append-only files included", async () => {
    const dataDir = await makeTempDir('cookies-data');
    try {
      // Its own app on the private Redis that `npm start` runs, persisted under DATA_DIR/redis.
      const own = await startApp({ dataDir });
      const session = await login(own.baseUrl);
      const res = await fetch(`${own.baseUrl}/api/me/cookies`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'text/plain' },
        body: fixture('browser-export-crlf.txt'),
      });
      expect(res.status).toBe(204);
      await own.stop(); // Redis flushes its append-only file on the way out
      expect(await findFiles(dataDir, 'cookies.txt')).toEqual([]);
      const files = (await fsp.readdir(dataDir, { recursive: true })).map(String);
      expect(files.some((f) => /appendonly|\.aof/.test(f))).toBe(true);
      const aof = await filesContaining(dataDir, 'vp:cookies:');
      expect(aof.length).toBeGreaterThan(0); // the sealed record did reach the disk
      for (const value of BROWSER_VALUES) {
        expect(await filesContaining(dataDir, value)).toEqual([]);
        expect(own.logs()).not.toContain(value);
      }
    } finally {
      await removeDir(dataDir);
    }
  }, 60_000);
});
