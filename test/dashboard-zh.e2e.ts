// The dashboard in Chinese shows no English sentence of the server's: a completed, a failed (404)
// and a cancelled job, a collection and its videos, a job's page, the account and admin pages, and
// the API's refusals. The English the server sent is read from the API and looked for on each screen.
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME, api, ApiHelpers, AppProcess, login, startApp } from './support/app';
import { launchChromium, logInByLabel, newPage, screenshot } from './support/browser';
import { waitForState } from './support/jobs';
import { makeLongMp4, makeMedia, makeShortClip, MediaSet, writePlaylistPage } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { RedisHandle, startRedis } from './support/redis';

let redis: RedisHandle;
let media: MediaSet;
let server: MediaServer;
let app: AppProcess;
let browser: Browser;
let admin: ApiHelpers;
let adminToken: string;
let zh: Page;
const ids = { completed: '', failed: '', cancelled: '', collection: '' };

const FINAL = ['completed', 'failed', 'cancelled'];
const card = (p: Page, id: string) => p.locator(`[data-testid=job][data-id="${id}"]`);
const hasHan = (text: string) => /\p{Script=Han}/u.test(text);

beforeAll(async () => {
  [redis, media] = await Promise.all([startRedis(), makeMedia()]);
  await makeLongMp4(media.dir, 40);
  await Promise.all([makeShortClip(media.dir, 'c1.mp4', 2), makeShortClip(media.dir, 'c2.mp4', 2, 660)]);
  await writePlaylistPage(media.dir, 'list.html', 'Two Clips', ['c1.mp4', 'c2.mp4']);
  server = await startMediaServer(media.dir, { bytesPerSecond: 250_000 });
  [app, browser] = await Promise.all([startApp({ redisUrl: redis.url }), launchChromium()]);
  adminToken = (await login(app.baseUrl)).token;
  admin = api(app.baseUrl, adminToken);

  const submit = async (path: string) => (await admin.post('/api/jobs', { url: server.url(path) })).body.id as string;
  ids.cancelled = await submit('/long-40s.mp4');
  expect((await admin.post(`/api/jobs/${ids.cancelled}/cancel`)).status).toBe(200);
  ids.completed = await submit('/page.html');
  ids.failed = await submit('/no-such-file.mp4');
  ids.collection = await submit('/list.html');
  for (const id of Object.values(ids)) await waitForState(admin, id, FINAL, 90_000);

  zh = await newPage(browser, app.baseUrl, { locale: 'zh-CN' });
  await zh.goto('/');
  await logInByLabel(zh, ADMIN_USERNAME, ADMIN_PASSWORD, { username: '用户名', password: '密码', submit: '登录' });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await server?.stop();
  await redis?.stop();
  await media?.cleanup();
});

/** Every sentence the server wrote for these jobs (and the collection's videos), as the API has them now. */
async function serverSentences(): Promise<string[]> {
  const children = (await admin.get(`/api/jobs?parentId=${ids.collection}&limit=100`)).body.items as { id: string }[];
  const sentences = new Set<string>();
  for (const id of [...Object.values(ids), ...children.map((c) => c.id)]) {
    const job = (await admin.get(`/api/jobs/${id}`)).body;
    expect([id, typeof job.messageKey]).toEqual([id, 'string']); // every sentence came with its key
    sentences.add(job.message);
    if (job.error) sentences.add(job.error.message);
  }
  return [...sentences].filter(Boolean);
}

/** The screen as a person reads it has none of `english`, and does speak Chinese. */
async function expectNoEnglish(page: Page, screen: string, english: string[]): Promise<void> {
  const text = (await page.evaluate('document.body.innerText')) as string;
  expect([screen, english.filter((sentence) => text.includes(sentence))]).toEqual([screen, []]);
  expect([screen, hasHan(text)]).toEqual([screen, true]);
}

/** The visible text settles (live events, lazy lists) before it is read. */
async function settled(page: Page): Promise<void> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const now = (await page.evaluate('document.body.innerText')) as string;
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 150));
  }
}

it('ended the jobs as the walk expects: one completed, one failed with a 404, one cancelled, a collection', async () => {
  const state = async (id: string) => (await admin.get(`/api/jobs/${id}`)).body;
  expect((await state(ids.completed)).state).toBe('completed');
  expect((await state(ids.failed)).error).toMatchObject({ code: 'source_not_found', params: { answer: '404 Not Found' } });
  expect((await state(ids.cancelled)).messageKey).toBe('job.cancelled');
  expect((await state(ids.collection)).kind).toBe('collection');
});

it('shows the list, its messages and errors, and a collection’s videos with no English sentence', async () => {
  const english = await serverSentences();
  expect(english).toEqual(expect.arrayContaining(['Ready to play', 'Cancelled', expect.stringMatching(/^The server answered 404 Not Found for /)]));
  await zh.goto('/');
  for (const id of Object.values(ids)) await card(zh, id).waitFor();
  expect(await card(zh, ids.completed).getByTestId('message').textContent()).toBe('可以播放了');
  expect(await card(zh, ids.failed).getByTestId('message').textContent()).toMatch(/^服务器对(这个链接|视频文件)的回应是 404 Not Found。$/);
  await card(zh, ids.collection).getByRole('button', { name: /显示其中的视频/ }).click();
  await card(zh, ids.collection).getByTestId('children').locator('li').first().waitFor();
  await settled(zh);
  await expectNoEnglish(zh, 'list', english);
  await screenshot(zh, 'zh-CN-list', { fullPage: true });
}, 60_000);

it('shows a job’s page, a failed job’s page and a collection’s page in Chinese only', async () => {
  const english = await serverSentences();
  for (const id of [ids.completed, ids.failed, ids.collection]) {
    await zh.goto(`/jobs/${id}`);
    await zh.getByTestId('job-page').waitFor();
    if (id === ids.collection) await zh.getByTestId('children').locator('li').first().waitFor();
    await settled(zh);
    await expectNoEnglish(zh, `/jobs/${id}`, english);
  }
}, 60_000);

it('says an API refusal on the account page in Chinese (a file that is not cookies.txt)', async () => {
  const refusal = await fetch(`${app.baseUrl}/api/me/cookies`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'text/plain' },
    body: 'just some notes\n',
  });
  const { code, message } = (await refusal.json()) as { code: string; message: string };
  expect(code).toBe('invalid_cookies');
  await zh.goto('/account');
  await zh.getByLabel('Cookie 文件（cookies.txt）').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some notes\n') });
  await zh.getByRole('button', { name: '上传 Cookie' }).click();
  const alert = zh.getByRole('alert').first();
  await alert.waitFor();
  expect(await alert.textContent()).toBe('这不是 Netscape 格式的 cookies.txt 文件。');
  await settled(zh);
  await expectNoEnglish(zh, '/account', [...(await serverSentences()), message]);
}, 30_000);

it('shows the admin pages in Chinese, with a refusal (a taken username) in Chinese too', async () => {
  const taken = await admin.post('/api/users', { username: ADMIN_USERNAME, password: 'another-password-1', role: 'user' });
  expect(taken.body.code).toBe('username_taken');
  await zh.goto('/admin/users');
  await zh.getByLabel('用户名', { exact: true }).fill(ADMIN_USERNAME);
  await zh.getByLabel('密码', { exact: true }).fill('another-password-1');
  await zh.getByRole('button', { name: '添加用户' }).click();
  const alert = zh.getByRole('alert').first();
  await alert.waitFor();
  expect(await alert.textContent()).toBe('这个用户名已被占用。');
  await expectNoEnglish(zh, '/admin/users', [...(await serverSentences()), taken.body.message]);

  await zh.goto('/admin/workers');
  await zh.getByRole('heading', { name: '工作进程' }).first().waitFor();
  await settled(zh);
  await expectNoEnglish(zh, '/admin/workers', await serverSentences());
}, 30_000);
