// The dashboard in Chinese shows no English sentence of the server's, on any screen: the login, the
// list, a completed, a failed (404), a cancelled job and a collection, the account (a refused cookies
// file, a subscription whose check failed, webhooks whose deliveries got no answer) and the admin
// pages (a taken username, a password too short, workers with a stale yt-dlp and a refused update).
// Each screen is read twice: for the exact English sentences the API sent, and for any run of three
// English words left once the names this suite made (titles, its username, tool names) are taken out.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/api';
import { logInByLabel, newPage, screenshot } from './support/browser';
import { waitForState } from './support/jobs';
import { makeLongMp4, makeShortClip, writePlaylistPage } from './support/media';
import { useStack } from './support/stack';
import { freePort, waitUntil } from './support/util';

/** Says it is a yt-dlp from 2023 (the advice on /admin/workers then shows on any machine), and runs the real one. */
const STALE_YTDLP = 'stale-yt-dlp';
const STALE_VERSION = '2023.03.04';

const stack = useStack({
  media: {
    prepare: async (dir) => {
      await Promise.all([makeLongMp4(dir, 40), makeShortClip(dir, 'c1.mp4', 2), makeShortClip(dir, 'c2.mp4', 2, 660)]);
      await writePlaylistPage(dir, 'list.html', 'Two Clips', ['c1.mp4', 'c2.mp4']);
      const wrapper = `#!/bin/sh\n[ "$1" = --version ] && { echo ${STALE_VERSION}; exit 0; }\nexec yt-dlp "$@"\n`;
      await writeFile(path.join(dir, STALE_YTDLP), wrapper, { mode: 0o755 });
    },
    server: { bytesPerSecond: 250_000 },
  },
  app: { env: (s) => ({ YTDLP_PATH: path.join(s.mediaDir, STALE_YTDLP) }) },
  browser: true,
});

const ids = { completed: '', failed: '', cancelled: '', collection: '' };
const hooks = { refused: '', unanswered: '' };
let zh: Page;

const FINAL = ['completed', 'failed', 'cancelled'];
const card = (p: Page, id: string) => p.locator(`[data-testid=job][data-id="${id}"]`);
const hasHan = (text: string) => /\p{Script=Han}/u.test(text);

beforeAll(async () => {
  const { admin, server } = stack;
  // Webhooks first, so the cancel is told: one to a port the policy refuses, one to a port nobody listens on.
  const hook = async (url: string) => (await admin.post('/api/webhooks', { url, events: ['job.cancelled'] })).body.id as string;
  hooks.refused = await hook('http://127.0.0.1:25/hook');
  hooks.unanswered = await hook(`http://127.0.0.1:${await freePort()}/hook`);
  expect((await admin.post('/api/subscriptions', { url: server.url('/no-such-list.html'), intervalMinutes: 360 })).status).toBe(201);

  const submit = async (p: string) => (await admin.post('/api/jobs', { url: server.url(p) })).body.id as string;
  ids.cancelled = await submit('/long-40s.mp4');
  expect((await admin.post(`/api/jobs/${ids.cancelled}/cancel`)).status).toBe(200);
  ids.completed = await submit('/page.html');
  ids.failed = await submit('/no-such-file.mp4');
  ids.collection = await submit('/list.html');
  await Promise.all(Object.values(ids).map((id) => waitForState(admin, id, FINAL, 90_000)));
  await waitUntil(async () => (await admin.get('/api/subscriptions')).body.items?.[0]?.lastError, 30_000, 'the subscription’s failed check');
  for (const id of Object.values(hooks)) await waitUntil(async () => (await admin.get(`/api/webhooks/${id}/deliveries`)).body.items?.length, 30_000, 'a delivery');

  zh = await newPage(stack.browser, stack.app.baseUrl, { locale: 'zh-CN' });
  await zh.goto('/');
}, 150_000);

// ---- what the server said, in English, from its API ----

/** Every sentence the server wrote for these jobs (and the collection's videos), as the API has them now. */
async function jobSentences(): Promise<string[]> {
  const { admin } = stack;
  const children = (await admin.get(`/api/jobs?parentId=${ids.collection}&limit=100`)).body.items;
  const sentences = new Set<string>();
  for (const id of [...Object.values(ids), ...children.map((c) => c.id)]) {
    const job = (await admin.get(`/api/jobs/${id}`)).body;
    expect([id, typeof job.messageKey]).toEqual([id, 'string']); // every sentence came with its key
    sentences.add(job.message);
    if (job.error) sentences.add(job.error.message);
  }
  return [...sentences].filter(Boolean);
}

/** The names on the screens that are no one's language: what this suite made, and the tools'. */
async function names(): Promise<string[]> {
  const { admin } = stack;
  const jobs = (await admin.get('/api/jobs?limit=100')).body.items;
  const children = (await admin.get(`/api/jobs?parentId=${ids.collection}&limit=100`)).body.items;
  const titles = [...jobs, ...children].map((j) => j.title).filter((t): t is string => !!t);
  return [...titles, ADMIN_USERNAME, 'Bull Board', 'Netscape', 'yt-dlp', 'ffmpeg', 'vidpipe', 'Node'];
}

// ---- reading a screen ----

/** Everything a person reads or hears: the visible text, and labels, titles and placeholders. */
async function screenText(page: Page): Promise<string> {
  return (await page.evaluate(`[
    document.body.innerText,
    ...[...document.querySelectorAll('[aria-label],[title],[placeholder],[alt]')]
      .map((el) => ['aria-label', 'title', 'placeholder', 'alt'].map((a) => el.getAttribute(a) ?? '').join('\\n')),
  ].join('\\n')`)) as string;
}

// A word: letters (an apostrophe or hyphen inside), with punctuation around it. Anything else between
// words (a number, a URL, a code, Chinese, a name taken out) ends a run.
const WORD = /^[("“‘'（「]*([A-Za-z][A-Za-z'’-]*)[)"”’',.;:!?）」。，；：！？]*$/;

/** Runs of three or more English words in `text`, once `names` are taken out. */
function englishRuns(text: string, names: readonly string[]): string[] {
  let rest = text;
  for (const name of [...names].sort((a, b) => b.length - a.length)) rest = rest.split(name).join(' · ');
  // Chinese and full-width punctuation end a word as a space does (未发送：Not sent).
  rest = rest.replace(/([\u2e80-\u9fff\uff00-\uffef])(?=[A-Za-z])|([A-Za-z])(?=[\u2e80-\u9fff\uff00-\uffef])/g, '$1$2 ');
  const runs: string[] = [];
  for (const line of rest.split('\n')) {
    let run: string[] = [];
    for (const token of [...line.split(/\s+/).filter(Boolean), '·']) {
      const word = WORD.exec(token)?.[1];
      if (word) run.push(word);
      else {
        if (run.length >= 3) runs.push(run.join(' '));
        run = [];
      }
    }
  }
  return runs;
}

/** The visible text settles (live events, lazy lists, the workers' refresh) before it is read. */
async function settled(page: Page): Promise<void> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const now = await screenText(page);
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The screen has none of the server's `english` sentences and no other run of English words, and does speak Chinese. */
async function expectChineseOnly(page: Page, screen: string, english: string[]): Promise<void> {
  await settled(page);
  const text = await screenText(page);
  expect([screen, english.filter((sentence) => text.includes(sentence))]).toEqual([screen, []]);
  expect([screen, englishRuns(text, await names())]).toEqual([screen, []]);
  expect([screen, hasHan(text)]).toEqual([screen, true]);
}

/** Submits a form on `page` and returns the alert it shows. */
async function alertAfter(page: Page, act: () => Promise<void>): Promise<string> {
  await act();
  const alert = page.getByRole('alert').first();
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

// ---- the check itself ----

describe('englishRuns', () => {
  it('finds a sentence left in English, among Chinese and around names', () => {
    expect(englishRuns('可以播放了\nReady to play', [])).toEqual(['Ready to play']);
    expect(englishRuns('未发送：Not sent: port 25 is not allowed', [])).toEqual(['Not sent port', 'is not allowed']);
    expect(englishRuns('没有回应：对方拒绝了连接（the server refused it）', [])).toEqual(['the server refused it']);
    expect(englishRuns('“Two Clips is here” 已就绪', ['Two Clips'])).toEqual([]);
    expect(englishRuns('Two Clips is here', [])).toEqual(['Two Clips is here']);
  });

  it('lets names, URLs, codes and the quoted words of a tool pass', () => {
    const zhLines = [
      '服务器对这个链接的回应是 404 Not Found。',
      '没有回应：对方拒绝了连接（connect ECONNREFUSED 127.0.0.1:9）',
      'yt-dlp 2023.03.04 已发布 1372 天：请安装新版 yt-dlp（pipx install yt-dlp，或 pip install -U "yt-dlp[default]"）',
      '队列（Bull Board） · http://127.0.0.1:8080/list.html · job.cancelled · 下载 2, 转码 1',
    ];
    expect(englishRuns(zhLines.join('\n'), ['yt-dlp', 'Bull Board'])).toEqual([]);
  });
});

describe('the dashboard in Chinese', () => {
  it('ended the jobs as the walk expects: one completed, one failed with a 404, one cancelled, a collection', async () => {
    const state = async (id: string) => (await stack.admin.get(`/api/jobs/${id}`)).body;
    expect((await state(ids.completed)).state).toBe('completed');
    expect((await state(ids.failed)).error).toMatchObject({ code: 'source_not_found', params: { answer: '404 Not Found' } });
    expect((await state(ids.cancelled)).messageKey).toBe('job.cancelled');
    expect((await state(ids.collection)).kind).toBe('collection');
  });

  it('says a refused login in Chinese, then logs in', async () => {
    const refusal = (await stack.admin.request('POST', '/api/auth/login', { username: ADMIN_USERNAME, password: 'not-the-password' })).body;
    expect(refusal.code).toBe('bad_credentials');
    await zh.getByLabel('用户名', { exact: true }).fill(ADMIN_USERNAME);
    await zh.getByLabel('密码', { exact: true }).fill('not-the-password');
    const said = await alertAfter(zh, () => zh.getByRole('button', { name: '登录', exact: true }).click());
    expect(said).toBe('用户名和密码不匹配。');
    await expectChineseOnly(zh, 'login', [refusal.message]);
    await zh.getByLabel('密码', { exact: true }).fill(ADMIN_PASSWORD);
    await zh.getByRole('button', { name: '登录', exact: true }).click();
    await zh.getByTestId('connection').waitFor();
  }, 30_000);

  it('shows the list, its messages and errors, and a collection’s videos', async () => {
    const english = await jobSentences();
    expect(english).toEqual(expect.arrayContaining(['Ready to play', 'Cancelled', expect.stringMatching(/^The server answered 404 Not Found for /)]));
    await zh.goto('/');
    for (const id of Object.values(ids)) await card(zh, id).waitFor();
    expect(await card(zh, ids.completed).getByTestId('message').textContent()).toBe('可以播放了');
    expect(await card(zh, ids.cancelled).getByTestId('message').textContent()).toBe('已取消');
    expect(await card(zh, ids.failed).getByTestId('message').textContent()).toMatch(/^服务器对(这个链接|视频文件)的回应是 404 Not Found。$/);
    await card(zh, ids.collection).getByRole('button', { name: /显示其中的视频/ }).click();
    await card(zh, ids.collection).getByTestId('children').locator('li').first().waitFor();
    await expectChineseOnly(zh, 'list', english);
    await screenshot(zh, 'zh-CN-list', { fullPage: true });
  }, 60_000);

  it('shows the pages of a completed, a failed and a cancelled job and of a collection', async () => {
    const english = await jobSentences();
    for (const id of [ids.completed, ids.failed, ids.cancelled, ids.collection]) {
      await zh.goto(`/jobs/${id}`);
      await zh.getByTestId('job-page').waitFor();
      if (id === ids.collection) await zh.getByTestId('children').locator('li').first().waitFor();
      await expectChineseOnly(zh, `/jobs/${id}`, english);
    }
  }, 60_000);

  it('shows the account: a refused cookies file, a subscription whose check failed, deliveries that got no answer', async () => {
    const { admin } = stack;
    const sub = (await admin.get('/api/subscriptions')).body.items[0];
    expect(sub).toMatchObject({ lastErrorKey: 'error.http_answer.link', lastErrorParams: { answer: '404 Not Found' } });
    const delivery = async (id: string) => (await admin.get(`/api/webhooks/${id}/deliveries`)).body.items[0];
    const [refused, unanswered] = [await delivery(hooks.refused), await delivery(hooks.unanswered)];
    expect(refused).toMatchObject({ outcome: 'failed', response: 'Not sent: port 25 is not allowed', responseKey: 'webhook.not_sent.port' });
    expect(unanswered).toMatchObject({ statusCode: null, response: expect.stringMatching(/^No answer: connect ECONNREFUSED /), responseKey: 'webhook.no_answer.refused' });

    const cookies = await fetch(`${stack.app.baseUrl}/api/me/cookies`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'text/plain' },
      body: 'just some notes\n',
    });
    const cookiesRefusal = (await cookies.json()) as { code: string; message: string };
    expect(cookiesRefusal.code).toBe('invalid_cookies');

    await zh.goto('/account');
    const said = await alertAfter(zh, async () => {
      await zh.getByLabel('Cookie 文件（cookies.txt）').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some notes\n') });
      await zh.getByRole('button', { name: '上传 Cookie' }).click();
    });
    expect(said).toBe('这不是 Netscape 格式的 cookies.txt 文件。');
    await zh.getByTestId('subscription').getByText(/^服务器对这个链接的回应是 404 Not Found。$/).waitFor();
    const responses = zh.getByTestId('deliveries').getByTestId('response');
    await responses.nth(1).waitFor();
    const shown = await responses.allTextContents();
    expect(shown).toHaveLength(2);
    expect(shown).toEqual(
      expect.arrayContaining(['未发送：不允许使用端口 25', expect.stringMatching(/^没有回应：对方拒绝了连接（connect ECONNREFUSED 127\.0\.0\.1:\d+）$/)]),
    );
    await expectChineseOnly(zh, '/account', [...(await jobSentences()), cookiesRefusal.message, sub.lastError!, refused.response, unanswered.response]);
    await screenshot(zh, 'zh-CN-account', { fullPage: true });
  }, 30_000);

  it('shows /admin/users with its refusals in Chinese: a taken username, a password too short', async () => {
    const { admin } = stack;
    const taken = (await admin.post('/api/users', { username: ADMIN_USERNAME, password: 'another-password-1', role: 'user' })).body;
    expect(taken.code).toBe('username_taken');
    const short = (await admin.post('/api/users', { username: 'newcomer', password: 'abc', role: 'user' })).body;
    expect(short).toMatchObject({ code: 'invalid_request', params: { field: 'password', problem: 'too_small', minimum: 8, origin: 'string' } });

    await zh.goto('/admin/users');
    const addUser = async (username: string, password: string) => {
      await zh.getByLabel('用户名', { exact: true }).fill(username);
      await zh.getByLabel('密码', { exact: true }).fill(password);
      await zh.getByRole('button', { name: '添加用户' }).click();
    };
    expect(await alertAfter(zh, () => addUser(ADMIN_USERNAME, 'another-password-1'))).toBe(`用户名“${ADMIN_USERNAME}”已被占用。`);
    await expectChineseOnly(zh, '/admin/users (taken)', [...(await jobSentences()), taken.message]);
    await addUser('newcomer', 'abc');
    await zh.getByRole('alert').getByText('密码至少需要 8 个字符。').waitFor();
    await expectChineseOnly(zh, '/admin/users (too short)', [...(await jobSentences()), short.message]);
  }, 30_000);

  it('shows /admin/workers: the worker, the stale yt-dlp with what to do, and a refused update, in Chinese', async () => {
    const health = (await stack.admin.get('/api/health')).body as unknown as { details: { ytdlp: { message: string; messageKey: string; version: string } } };
    expect(health.details.ytdlp).toMatchObject({ version: STALE_VERSION, messageKey: 'ytdlp.stale.system' });
    const update = (await stack.admin.post('/api/admin/ytdlp/update')).body;
    expect(update).toMatchObject({ code: 'ytdlp_not_managed', params: { problem: 'path_set', workers: 1 } });

    await zh.goto('/admin/workers');
    await zh.getByRole('heading', { name: '工作进程' }).first().waitFor();
    await zh.getByTestId('worker').first().waitFor();
    expect(await zh.getByTestId('ytdlp-advice').textContent()).toMatch(new RegExp(`^yt-dlp ${STALE_VERSION} 已发布 \\d+ 天，而网站每隔几周就会变化：请安装新版 yt-dlp`));
    const said = await alertAfter(zh, () => zh.getByRole('button', { name: '更新 yt-dlp' }).click());
    expect(said).toBe('没有可更新的托管 yt-dlp：正在运行的 1 个工作进程都不自行管理 yt-dlp（设置了 YTDLP_PATH）。请手动更新它们使用的 yt-dlp。');
    await expectChineseOnly(zh, '/admin/workers', [...(await jobSentences()), health.details.ytdlp.message, update.message]);
    await screenshot(zh, 'zh-CN-workers', { fullPage: true });
  }, 30_000);

  it('would notice: the same screens in English are full of runs of English words', async () => {
    const en = await newPage(stack.browser, stack.app.baseUrl);
    await en.goto('/');
    await logInByLabel(en, ADMIN_USERNAME, ADMIN_PASSWORD);
    await card(en, ids.completed).getByText('Ready to play').waitFor();
    await settled(en);
    expect(englishRuns(await screenText(en), await names())).toEqual(expect.arrayContaining(['Ready to play']));
    await en.goto('/admin/workers');
    await en.getByTestId('ytdlp-advice').waitFor();
    await settled(en);
    expect(englishRuns(await screenText(en), await names()).join(' | ')).toMatch(/and sites change every few weeks/);
    await en.context().close();
  }, 30_000);
});
