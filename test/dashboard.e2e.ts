// The dashboard in headless Chromium against the built app, real Redis, yt-dlp and ffmpeg and a
// paced loopback origin: what a person sees and does on every page, in English and Chinese,
// light and dark, desktop and phone. One app, one Redis, one browser for the whole file.
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/api';
import { card, expectText, logInByLabel, newPage, screenshot, scrollsSideways, waitFor } from './support/browser';
import { makeLongMp4, PAGE_TITLE } from './support/media';
import { useStack } from './support/stack';

const PACE = 250_000; // bytes a second: a ~1 MB clip downloads in about 4 s, long enough to watch and reload

const stack = useStack({
  media: { prepare: (dir) => makeLongMp4(dir, 40), server: { bytesPerSecond: PACE } },
  app: true,
  users: ['bob'],
  browser: { page: true }, // the admin's tab, desktop, light, English
});
const BOB = stack.as('bob');
let readyJobId: string;

const valueNow = async (p: Page, id: string) => Number(await card(p, id).getByRole('progressbar').getAttribute('aria-valuenow'));
const stateOf = (p: Page, id: string) => card(p, id).getAttribute('data-state');
const videoState = (p: Page) =>
  p.evaluate('(() => { const v = document.querySelector("video"); return v ? { t: v.currentTime, h: v.videoHeight } : null })()') as Promise<{ t: number; h: number } | null>;

it('logs in by the form’s labels, and a wrong password shows the server’s sentence', async () => {
  await stack.page.goto('/');
  await stack.page.getByLabel('Username', { exact: true }).fill(ADMIN_USERNAME);
  await stack.page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await stack.page.getByRole('button', { name: 'Log in' }).click();
  await expectText(stack.page.getByRole('alert'), 'That username and password do not match.');
  await screenshot(stack.page, 'login');
  await logInByLabel(stack.page, ADMIN_USERNAME, ADMIN_PASSWORD);
  await expectText(stack.page.getByTestId('connection'), 'live');
});

it('shows a new job at once, its bar rising live with speed and size, the same after a reload, then Ready', async () => {
  await stack.page.getByLabel('Video link').fill(stack.server.url('/page.html'));
  await stack.page.getByLabel('Quality', { exact: true }).selectOption({ label: 'Best' });
  await stack.page.getByRole('button', { name: 'Download' }).click();
  const first = stack.page.getByTestId('job').first();
  await first.waitFor();
  const id = (await first.getAttribute('data-id'))!;
  readyJobId = id;
  expect(await stack.page.getByLabel('Video link').inputValue()).toBe(''); // ready for the next link

  // The bar climbs while it downloads, and the card says how fast and how much.
  const seen = new Set<number>();
  let facts = '';
  await waitFor('two values between 0 and 100', async () => {
    const v = await valueNow(stack.page, id);
    if (v > 0 && v < 100) seen.add(v);
    if ((await stateOf(stack.page, id)) === 'downloading') facts = (await card(stack.page, id).locator('.meta').textContent()) ?? facts;
    return seen.size;
  }, (n) => n >= 2);
  expect(facts).toMatch(/Downloading.*kB of .*B.*kB\/s/);
  await screenshot(stack.page, 'list-downloading');

  // A reload in the middle keeps the job where it was: same state or further, never back to 0.
  const before = { value: await valueNow(stack.page, id), state: await stateOf(stack.page, id) };
  expect(before.state).toBe('downloading');
  await stack.page.reload();
  await card(stack.page, id).waitFor();
  const after = await valueNow(stack.page, id);
  expect(after).toBeGreaterThanOrEqual(before.value);
  expect(['downloading', 'transcoding', 'completed']).toContain(await stateOf(stack.page, id));
  await expectText(stack.page.getByTestId('connection'), 'live');

  await waitFor('completed', () => stateOf(stack.page, id), (s) => s === 'completed', 60_000);
  expect(await valueNow(stack.page, id)).toBe(100);
  await expectText(card(stack.page, id).getByTestId('stage'), 'Ready');
  await expectText(card(stack.page, id).getByRole('link', { name: PAGE_TITLE }), PAGE_TITLE);
  expect(await card(stack.page, id).locator('img').getAttribute('src')).toBe(`/media/${id}/poster.jpg`);
  expect(await card(stack.page, id).locator('.meta').textContent()).toMatch(/Length 0:06.*Size [\d.]+ (kB|MB)/);
  await screenshot(stack.page, 'list');
}, 120_000);

it('opens /jobs/:id: plays past 1 s, switches quality, shows details and stages; a reload keeps it', async () => {
  await card(stack.page, readyJobId).getByRole('link', { name: PAGE_TITLE }).click();
  await stack.page.waitForURL(`**/jobs/${readyJobId}`);
  await waitFor('playing past 1 s', () => videoState(stack.page), (v) => !!v && v.t > 1, 20_000);
  const quality = stack.page.getByLabel('Playback quality');
  expect(await quality.locator('option').allTextContents()).toEqual(['Auto', '720p', '360p']);
  await quality.selectOption({ label: '360p' });
  await waitFor('the 360p rendition on screen', () => videoState(stack.page), (v) => !!v && v.h === 360, 20_000);
  await quality.selectOption({ label: '720p' });
  await waitFor('the 720p rendition on screen', () => videoState(stack.page), (v) => !!v && v.h === 720, 20_000);

  const details = stack.page.locator('.details');
  await expectText(details, stack.server.url('/page.html'));
  expect(await details.textContent()).toMatch(/Renditions720p, 360p/);
  const steps = stack.page.getByTestId('timeline').locator('li');
  expect(await steps.count()).toBe(5);
  expect(await steps.last().textContent()).toMatch(/^Ready\s*at \d/);
  // This tab saw the download and the transcode start live: they carry times too.
  expect(await steps.nth(2).textContent()).toMatch(/Downloading\s*at \d/);
  await screenshot(stack.page, 'job', { fullPage: true });

  await stack.page.reload();
  await waitFor('playing again after a reload', () => videoState(stack.page), (v) => !!v && v.t > 1, 20_000);
  await expectText(stack.page.locator('h1'), PAGE_TITLE);
}, 90_000);

it('shows another user “not found” for that link, without ever a flash of the job', async () => {
  const bob = await newPage(stack.browser, stack.app.baseUrl);
  // Records, from the first paint, whether anything of the job ever reached the page.
  await bob.addInitScript(`new MutationObserver(() => {
      if (document.body && (document.body.innerText.includes(${JSON.stringify(PAGE_TITLE)}) || document.querySelector('video, [data-testid=job-page]'))) window.__flash = true;
    }).observe(document, { childList: true, subtree: true, characterData: true });`);
  await bob.goto(`/jobs/${readyJobId}`);
  await logInByLabel(bob, BOB.username, BOB.password);
  await expectText(bob.getByTestId('job-missing'), 'There is no such video, or it is not yours.');
  expect(bob.url()).toMatch(new RegExp(`/jobs/${readyJobId}$`));
  expect(await bob.evaluate('window.__flash === true')).toBe(false);
  await bob.context().close();
});

it('cancels and retries from the page, and deletes through a confirmation dialog', async () => {
  stack.server.setBytesPerSecond(60_000);
  try {
    await stack.page.goto('/');
    await stack.page.getByLabel('Video link').fill(stack.server.url('/long-40s.mp4'));
    await stack.page.getByRole('button', { name: 'Download' }).click();
    const first = stack.page.getByTestId('job').first();
    await waitFor('the new card', () => first.getAttribute('data-id'), (v) => !!v && v !== readyJobId);
    const id = (await first.getAttribute('data-id'))!;
    await waitFor('downloading', () => stateOf(stack.page, id), (s) => s === 'downloading');
    await card(stack.page, id).getByRole('button', { name: 'Cancel' }).click();
    await waitFor('cancelled', () => stateOf(stack.page, id), (s) => s === 'cancelled');
    await expectText(card(stack.page, id).getByTestId('stage'), 'Cancelled');

    await card(stack.page, id).getByRole('link').first().click();
    await stack.page.waitForURL(`**/jobs/${id}`);
    await stack.page.getByRole('button', { name: 'Retry' }).click();
    await waitFor('running again', () => stack.page.getByTestId('job-page').getAttribute('data-state'), (s) => s === 'downloading');
    await expectText(stack.page.getByTestId('stage'), 'Downloading');

    // The dialog asks first; "Keep it" keeps it.
    await stack.page.getByRole('button', { name: 'Delete' }).click();
    const dialog = stack.page.getByRole('dialog', { name: 'Delete this video?' });
    await dialog.waitFor();
    await screenshot(stack.page, 'delete-dialog');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await stack.admin.get(`/api/jobs/${id}`)).status).toBe(200);

    await stack.page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await stack.page.waitForURL((u) => u.pathname === '/');
    await card(stack.page, id).waitFor({ state: 'detached' });
    expect((await stack.admin.get(`/api/jobs/${id}`)).status).toBe(404);
  } finally {
    stack.server.setBytesPerSecond(PACE);
  }
}, 90_000);

it('drops a job from the page when it is deleted elsewhere', async () => {
  const job = (await stack.admin.post('/api/jobs', { url: stack.server.url('/no-such-file.mp4') })).body;
  await card(stack.page, job.id).waitFor();
  await waitFor('failed', () => stateOf(stack.page, job.id), (s) => s === 'failed');
  expect(await card(stack.page, job.id).getByTestId('message').textContent()).toMatch(/\S/); // the error sentence
  await card(stack.page, job.id).getByRole('button', { name: 'Retry' }).waitFor();
  expect((await stack.admin.del(`/api/jobs/${job.id}`)).status).toBe(204);
  await card(stack.page, job.id).waitFor({ state: 'detached', timeout: 5000 });
});

it('lets an admin add an account from /admin/users, with the server’s sentence on refusal; that person logs in', async () => {
  await stack.page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
  await stack.page.waitForURL('**/admin/users');
  expect(await stack.page.getByRole('link', { name: /Bull Board/ }).first().getAttribute('href')).toBe('/admin/queues');
  const add = async (username: string) => {
    await stack.page.getByLabel('Username', { exact: true }).fill(username);
    await stack.page.getByLabel('Password', { exact: true }).fill('carol-password-1');
    await stack.page.getByLabel('Role').selectOption({ label: 'User' });
    await stack.page.getByRole('button', { name: 'Add user' }).click();
  };
  await add('carol');
  await expectText(stack.page.getByRole('status').filter({ hasText: 'carol' }), 'User carol was added.');
  await stack.page.locator('[data-testid=user][data-username=carol]').waitFor();
  await add('carol');
  await expectText(stack.page.getByRole('alert'), 'The username "carol" is already taken.');
  await screenshot(stack.page, 'admin-users');

  const carol = await newPage(stack.browser, stack.app.baseUrl);
  await carol.goto('/');
  await logInByLabel(carol, 'carol', 'carol-password-1');
  await expectText(carol.getByTestId('connection'), 'live');
  expect(await carol.getByRole('link', { name: 'Users' }).count()).toBe(0); // not an admin

  // Disabled by the admin: carol's open page goes back to the login with a sentence.
  await stack.page.locator('[data-testid=user][data-username=carol]').getByRole('button', { name: 'Disable' }).click();
  await expectText(carol.getByTestId('session-ended'), 'Your session ended');
  await carol.getByLabel('Username', { exact: true }).waitFor();
  await carol.context().close();
});

it('changes a password on /account: this tab stays in, another session returns to login with a sentence', async () => {
  const here = await newPage(stack.browser, stack.app.baseUrl);
  const elsewhere = await newPage(stack.browser, stack.app.baseUrl);
  for (const p of [here, elsewhere]) {
    await p.goto('/account');
    await logInByLabel(p, BOB.username, BOB.password);
  }
  await here.getByLabel('Current password').fill(BOB.password);
  await here.getByLabel('New password').fill('bob-password-2');
  await here.getByRole('button', { name: 'Change password' }).click();
  await expectText(here.getByRole('status').filter({ hasText: 'password' }), 'Your password was changed; every other session has ended.');
  await expectText(elsewhere.getByTestId('session-ended'), 'Your session ended');
  await expectText(here.getByTestId('connection'), 'live'); // reconnected on its fresh session

  // Cookies: the domains are shown, never a value; a bad file gets the server's sentence.
  await here.getByLabel('Cookies file (cookies.txt)').setInputFiles({
    name: 'cookies.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('# Netscape HTTP Cookie File\n.example.com\tTRUE\t/\tFALSE\t0\tsid\tvery-secret-value\n'),
  });
  await here.getByRole('button', { name: 'Upload cookies' }).click();
  await expectText(here.getByTestId('cookies-status'), 'Cookies stored for: example.com');
  expect(await here.content()).not.toContain('very-secret-value');
  await screenshot(here, 'account', { fullPage: true });
  await here.getByLabel('Cookies file (cookies.txt)').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some notes\n') });
  await here.getByRole('button', { name: 'Upload cookies' }).click();
  await expectText(here.getByRole('alert'), 'This is not a Netscape cookies.txt file.');
  await here.getByRole('button', { name: 'Remove cookies' }).click();
  await expectText(here.getByTestId('cookies-status'), 'No cookies stored.');
  await here.context().close();
  await elsewhere.context().close();
});

it('speaks Chinese to a zh-CN browser, and remembers a switch to English', async () => {
  const zh = await newPage(stack.browser, stack.app.baseUrl, { locale: 'zh-CN' });
  await zh.goto('/');
  await logInByLabel(zh, ADMIN_USERNAME, ADMIN_PASSWORD, { username: '用户名', password: '密码', submit: '登录' });
  await zh.getByRole('button', { name: '下载' }).waitFor();
  await card(zh, readyJobId).waitFor();
  await expectText(card(zh, readyJobId).getByTestId('stage'), '就绪');
  expect(await card(zh, readyJobId).locator('.meta').textContent()).toMatch(/时长 0:06.*大小/);
  await expectText(zh.getByTestId('connection'), '实时');
  expect(await zh.getAttribute('html', 'lang')).toBe('zh-CN');
  await screenshot(zh, 'zh-CN');

  await zh.getByLabel('语言').selectOption({ label: 'English' });
  await zh.getByRole('button', { name: 'Download' }).waitFor();
  await zh.reload();
  await zh.getByRole('button', { name: 'Download' }).waitFor();
  await zh.context().close();
});

it('follows a dark system theme', async () => {
  const dark = await newPage(stack.browser, stack.app.baseUrl, { colorScheme: 'dark' });
  await dark.goto('/');
  await logInByLabel(dark, ADMIN_USERNAME, ADMIN_PASSWORD);
  await card(dark, readyJobId).waitFor();
  const rgb = (await dark.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
  const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
  expect(0.2126 * r + 0.7152 * g + 0.0722 * b).toBeLessThan(40); // a dark background, not white
  await screenshot(dark, 'dark');
  await dark.context().close();
});

it('fits a phone (390×844) without sideways scrolling on every page', async () => {
  const phone = await newPage(stack.browser, stack.app.baseUrl, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.goto('/');
  await logInByLabel(phone, ADMIN_USERNAME, ADMIN_PASSWORD);
  await card(phone, readyJobId).waitFor();
  expect(await scrollsSideways(phone)).toBe(false);
  await screenshot(phone, 'phone');
  for (const [route, ready] of [[`/jobs/${readyJobId}`, 'video'], ['/account', 'form'], ['/admin/users', '[data-testid=user]']] as const) {
    await phone.evaluate(`history.pushState(null, '', ${JSON.stringify(route)}); dispatchEvent(new PopStateEvent('popstate'))`);
    await phone.locator(ready).first().waitFor();
    expect([route, await scrollsSideways(phone)]).toEqual([route, false]);
    if (route.startsWith('/jobs/')) await screenshot(phone, 'phone-job');
  }
  await phone.context().close();
});

it('pre-fills the form from /?url= (a bookmarklet) and from a share sheet’s text', async () => {
  const link = `${stack.server.url('/page.html')}?from=bookmarklet&x=1`;
  await stack.page.goto(`/?url=${encodeURIComponent(link)}`);
  expect(await stack.page.getByLabel('Video link').inputValue()).toBe(link);
  await stack.page.goto(`/?title=Clip&text=${encodeURIComponent(`Watch this ${stack.server.url('/clip.mp4')} now`)}`);
  expect(await stack.page.getByLabel('Video link').inputValue()).toBe(stack.server.url('/clip.mp4'));
  const manifest = (await (await fetch(`${stack.app.baseUrl}/manifest.webmanifest`)).json()) as { share_target: unknown };
  expect(manifest.share_target).toEqual({ action: '/', method: 'GET', params: { title: 'title', text: 'text', url: 'url' } });
});

it('filters by state and pages past 50 jobs as the list scrolls', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 56; i++) {
    const job = (await stack.admin.post('/api/jobs', { url: stack.server.url(`/long-40s.mp4?n=${i}`) })).body;
    ids.push(job.id);
    await stack.admin.post(`/api/jobs/${job.id}/cancel`);
  }
  await stack.page.goto('/');
  await stack.page.getByLabel('Show').selectOption({ label: 'Cancelled' });
  const cards = stack.page.getByTestId('job');
  await waitFor('the first page', () => cards.count(), (n) => n === 50);
  expect(await stack.page.locator('[data-testid=job]:not([data-state=cancelled])').count()).toBe(0);
  await cards.last().scrollIntoViewIfNeeded();
  await waitFor('the next page after scrolling', () => cards.count(), (n) => n === 56);
  await expectText(stack.page.getByText('That is all.'), 'That is all.');
}, 60_000);
