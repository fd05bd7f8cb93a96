// The dashboard's newer parts in headless Chromium against the built app (real Redis, yt-dlp,
// ffmpeg, a loopback origin and a loopback webhook receiver): collections, the file and subtitles,
// webhooks and subscriptions on /account, the workers page, and the notice while the api restarts.
// One app (private URLs refused but 127.0.0.1, as a real webhook setup), one browser for the file.
import crypto from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/api';
import { spawnApp } from './support/app';
import { card, expectText, logInByLabel, newPage, screenshot, scrollsSideways, waitFor } from './support/browser';
import { makeShortClip, writePlaylistPage } from './support/media';
import { urlOf, useStack } from './support/stack';

const ZH_VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n你好，世界\n\n00:00:02.000 --> 00:00:03.500\n第二行字幕\n';
const EN_VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there\n\n00:00:02.000 --> 00:00:03.500\nSecond line\n';
const SUB_TITLE = 'Subtitled clip';
const COLLECTION_TITLE = 'Three Loopback Clips';
// One active job per (non-admin) user: a collection's children wait their turn, with a message.
const ENV = { ALLOW_PRIVATE_URLS: 'false', ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', USER_MAX_ACTIVE_JOBS: '1' };

const stack = useStack({
  dataDir: true,
  media: {
    standard: false,
    prepare: async (dir) => {
      await Promise.all([
        ...['c1.mp4', 'c2.mp4', 'c3.mp4'].map((name, i) => makeShortClip(dir, name, 2, 300 + 100 * i)),
        makeShortClip(dir, 'sub.mp4', 4),
      ]);
      await writePlaylistPage(dir, 'three.html', COLLECTION_TITLE, ['c1.mp4', 'c2.mp4', 'c3.mp4']);
      await Promise.all([
        fsp.writeFile(path.join(dir, 'en.vtt'), EN_VTT),
        fsp.writeFile(path.join(dir, 'zh.vtt'), ZH_VTT),
        fsp.writeFile(
          path.join(dir, 'subs.html'),
          `<!doctype html><html><head><meta charset="utf-8"><title>${SUB_TITLE}</title></head><body><video controls src="sub.mp4">` +
            '<track kind="subtitles" srclang="en" label="English" src="en.vtt"><track kind="subtitles" srclang="zh" label="中文" src="zh.vtt"></video></body></html>',
        ),
      ]);
    },
  },
  app: { env: ENV },
  users: ['dana'],
  browser: { page: true },
});
const DANA = stack.as('dana');
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let receiver: http.Server;
let secret = '';
let collectionId = '';

beforeAll(async () => {
  receiver = await stack.listen((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('thanks');
    });
  });
  await stack.page.goto('/account');
  await logInByLabel(stack.page, ADMIN_USERNAME, ADMIN_PASSWORD);
});

it('adds a webhook on /account: its secret is shown once, with a copy button, then never again', async () => {
  const hookUrl = `${urlOf(receiver)}/hook`;
  await stack.page.getByLabel('Receiver address (URL)').fill('http://10.1.2.3/hook');
  await stack.page.getByRole('button', { name: 'Add webhook' }).click();
  const refused = await stack.admin.post('/api/webhooks', { url: 'http://10.1.2.3/hook' });
  expect([refused.status, refused.body.code]).toEqual([400, 'private_address']);
  await expectText(stack.page.getByRole('alert'), refused.body.message); // the server's sentence
  expect(await stack.page.getByTestId('webhook').count()).toBe(0);

  await stack.page.getByLabel('Receiver address (URL)').fill(hookUrl);
  await stack.page.getByLabel('a job failed (job.failed)').uncheck();
  await stack.page.getByLabel('a job was cancelled (job.cancelled)').uncheck();
  await stack.page.getByRole('button', { name: 'Add webhook' }).click();
  const shown = stack.page.getByTestId('webhook-secret');
  await expectText(shown, 'it will not be shown again');
  secret = (await stack.page.getByTestId('secret-value').textContent())!;
  await stack.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await shown.getByRole('button', { name: 'Copy secret' }).click();
  await expectText(shown, 'Copied.');
  expect(await stack.page.evaluate('navigator.clipboard.readText()')).toBe(secret);
  expect(secret.length).toBeGreaterThanOrEqual(16);
  const hook = stack.page.getByTestId('webhook');
  await expectText(hook, hookUrl);
  expect(await hook.locator('.meta').textContent()).toBe('job.completedcollection.completed');
  await shown.scrollIntoViewIfNeeded();
  await screenshot(stack.page, 'account-webhook-secret');

  await stack.page.reload();
  await stack.page.getByTestId('webhook').waitFor();
  expect(await stack.page.getByTestId('webhook-secret').count()).toBe(0);
  expect(await stack.page.content()).not.toContain(secret);
  await expectText(stack.page.getByTestId('webhook'), 'Nothing sent yet.');
});

it('turns a three-video page into one collection card whose counts reach 3 of 3, and expands into its children', async () => {
  await stack.page.getByRole('navigation').getByRole('link', { name: 'Videos' }).click();
  await stack.page.getByLabel('Video link').fill(stack.server.url('/three.html'));
  await stack.page.getByRole('button', { name: 'Download' }).click();
  const first = stack.page.getByTestId('job').first();
  await first.waitFor();
  collectionId = (await first.getAttribute('data-id'))!;
  const c = card(stack.page, collectionId);
  await waitFor('a collection', () => c.getAttribute('data-kind'), (k) => k === 'collection');
  await expectText(c.getByRole('link', { name: COLLECTION_TITLE }), COLLECTION_TITLE);
  // Children's events reach this tab too: they never become cards of their own.
  let most = 0;
  await waitFor('3 of 3 ready', async () => {
    most = Math.max(most, await stack.page.getByTestId('job').count());
    return c.getByTestId('counts').getAttribute('data-completed');
  }, (n) => n === '3', 90_000);
  expect(most).toBe(1);
  await waitFor('completed', () => c.getAttribute('data-state'), (s) => s === 'completed', 20_000);
  await expectText(c.getByTestId('counts'), '3 of 3 ready');

  await c.getByRole('button', { name: 'Show its videos' }).click();
  expect(await c.getByRole('button', { name: 'Hide its videos' }).getAttribute('aria-expanded')).toBe('true');
  const children = c.getByTestId('child');
  await waitFor('three children', () => children.count(), (n) => n === 3);
  const ids = await children.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  const fromApi = (await stack.admin.get(`/api/jobs?parentId=${collectionId}&limit=50`)).body.items.map((j: { id: string }) => j.id);
  expect(ids).toEqual(fromApi); // playlist order
  expect(await children.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(['completed', 'completed', 'completed']);
  expect(await children.first().getByRole('link').getAttribute('href')).toBe(`/jobs/${ids[0]}`);
  await screenshot(stack.page, 'collection');

  // Nothing failed: Retry shows the server's sentence.
  const answer = await stack.admin.post(`/api/jobs/${collectionId}/retry`);
  expect([answer.status, answer.body.code]).toEqual([409, 'not_retryable']);
  await c.getByRole('button', { name: 'Retry' }).click();
  await expectText(stack.page.getByRole('alert'), answer.body.message);

  // Its own page lists the children instead of a player.
  await c.getByRole('link', { name: COLLECTION_TITLE, exact: true }).click();
  await stack.page.waitForURL(`**/jobs/${collectionId}`);
  await waitFor('children on the page', () => stack.page.getByTestId('child').count(), (n) => n === 3);
  expect(await stack.page.locator('video').count()).toBe(0);
  await expectText(stack.page.getByTestId('counts'), '3 of 3 ready');
}, 150_000);

it('keeps an expanded collection live: children wait their turn with the server’s message, then finish in place', async () => {
  const dana = await newPage(stack.browser, stack.app.baseUrl);
  await dana.goto('/');
  await logInByLabel(dana, DANA.username, DANA.password);
  await dana.getByLabel('Video link').fill(stack.server.url('/three.html'));
  await dana.getByRole('button', { name: 'Download' }).click();
  const c = dana.getByTestId('job').first();
  await waitFor('a collection', () => c.getAttribute('data-kind'), (k) => k === 'collection');
  await c.getByRole('button', { name: 'Show its videos' }).click();
  const children = c.getByTestId('child');
  await waitFor('three children', () => children.count(), (n) => n === 3);
  // Only one of dana's jobs runs at a time: the others say why they wait.
  await expectText(c.getByTestId('child').filter({ hasText: 'Waiting for one of your other jobs to finish' }), 'Waiting for one of your other jobs to finish');
  await waitFor('every child ready, live in the open card', () => children.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')).join()), (s) => s === 'completed,completed,completed', 90_000);
  await waitFor('3 of 3', () => c.getByTestId('counts').getAttribute('data-completed'), (n) => n === '3');
  expect(await dana.getByTestId('job').count()).toBe(1);
  await dana.context().close();
}, 120_000);

it('shows the webhook’s deliveries for the collection, signed with the secret it showed once', async () => {
  await stack.page.goto('/account');
  const hook = stack.page.getByTestId('webhook');
  await waitFor('four deliveries', async () => {
    await hook.getByRole('button', { name: /Refresh/ }).click();
    return hook.locator('tr[data-outcome=delivered]').count();
  }, (n) => n === 4, 30_000);
  const rows = await hook.locator('tr').allTextContents();
  expect(rows.filter((r) => r.includes('collection.completed'))).toHaveLength(1);
  expect(rows.filter((r) => r.includes('job.completed'))).toHaveLength(3);
  expect(rows[0]).toMatch(/delivered · 200 · tries: 1/);
  const last = received.find((r) => r.headers['x-vidpipe-event'] === 'collection.completed')!;
  expect(last.headers['x-vidpipe-signature']).toBe(`sha256=${crypto.createHmac('sha256', secret).update(last.body).digest('hex')}`);
  await screenshot(stack.page, 'account-webhooks', { fullPage: true });
}, 60_000);

it('downloads the file under its title, and plays the full hls.js build with a subtitle menu and cues', async () => {
  await stack.page.goto('/');
  await stack.page.locator('[data-testid=job]').first().waitFor();
  const before = await stack.page.locator('[data-testid=job]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-id')));
  await stack.page.getByLabel('Video link').fill(stack.server.url('/subs.html'));
  await stack.page.getByRole('button', { name: 'Download' }).click();
  // The new card, not one already listed (under load it may appear after the list's first card is read).
  const id = await waitFor('the new card', () => stack.page.locator('[data-testid=job]').evaluateAll((cards, known) => cards.map((c) => c.getAttribute('data-id')).find((x) => x && !known.includes(x)) ?? '', before), (v) => v !== '', 30_000);
  await waitFor('completed', () => card(stack.page, id).getAttribute('data-state'), (s) => s === 'completed', 60_000);
  const onCard = card(stack.page, id).getByRole('link', { name: 'Download file' });
  expect(await onCard.getAttribute('href')).toBe(`/api/jobs/${id}/file`);

  await card(stack.page, id).getByRole('link', { name: SUB_TITLE }).click();
  await stack.page.waitForURL(`**/jobs/${id}`);
  const [download] = await Promise.all([stack.page.waitForEvent('download'), stack.page.getByRole('link', { name: 'Download file' }).click()]);
  expect(download.suggestedFilename()).toBe(`${SUB_TITLE}.mp4`);
  const saved = path.join(stack.dataDir, 'downloaded.mp4');
  await download.saveAs(saved);
  const head = await fsp.readFile(saved);
  expect(head.subarray(4, 8).toString('latin1')).toBe('ftyp'); // an MP4, not an error page
  expect(head.length).toBeGreaterThan(10_000);

  const menu = stack.page.getByLabel('Subtitles');
  await menu.waitFor({ timeout: 20_000 });
  expect(await menu.locator('option').allTextContents()).toEqual(['Off', 'English', 'Chinese']);
  await menu.selectOption({ label: 'Chinese' });
  const cue = await waitFor('a Chinese cue in the showing track', () => stack.page.evaluate(`(() => {
    const v = document.querySelector('video');
    const tr = v && [...v.textTracks].find((t) => t.mode === 'showing' && t.cues && t.cues.length);
    return tr ? tr.cues[0].text : null;
  })()`) as Promise<string | null>, (t) => !!t, 20_000);
  expect(cue).toBe('你好，世界');
  // On screen at 1 s: the cue is active (the X-TIMESTAMP-MAP lines it up with the video).
  await stack.page.evaluate('(() => { const v = document.querySelector("video"); v.pause(); v.currentTime = 1; })()');
  const active = await waitFor('an active cue at 1 s', () => stack.page.evaluate(`(() => {
    const v = document.querySelector('video');
    const tr = [...v.textTracks].find((t) => t.mode === 'showing');
    return tr && tr.activeCues && tr.activeCues.length ? tr.activeCues[0].text : null;
  })()`) as Promise<string | null>, (t) => !!t, 10_000);
  expect(active).toBe('你好，世界');
  // The full build was loaded for this job (the light one has no subtitle support at all).
  const scripts = (await stack.page.evaluate('performance.getEntriesByType("resource").map((e) => e.name)')) as string[];
  expect(scripts.some((s) => /\/assets\/hls-[^/]*\.js$/.test(s))).toBe(true);
  await screenshot(stack.page, 'job-subtitles');
}, 120_000);

it('adds a subscription (the 400 sentence names the minimum), checks it now and removes it', async () => {
  await stack.page.goto('/account');
  const form = stack.page.locator('form').filter({ has: stack.page.getByLabel('Playlist or channel link') });
  await stack.page.getByLabel('Playlist or channel link').fill(stack.server.url('/three.html'));
  await stack.page.getByLabel('Check every (minutes)').fill('1');
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await expectText(stack.page.getByRole('alert'), 'at most every 15 minutes');

  await stack.page.getByLabel('Check every (minutes)').fill('15');
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await expectText(stack.page.getByRole('status').filter({ hasText: 'Subscribed' }), 'Subscribed; the first check runs now.');
  const sub = stack.page.getByTestId('subscription');
  await expectText(sub, 'every 15 min');
  // The first check runs at once; the page shows it once "Check now" polls (or on a reload).
  await waitFor('the first check', async () => {
    await stack.page.reload();
    await sub.waitFor();
    return sub.getAttribute('data-checked');
  }, (v) => !!v, 30_000);
  const before = (await sub.getAttribute('data-checked'))!;
  await expectText(sub.getByTestId('seen'), '3 videos seen');
  await sub.getByRole('button', { name: 'Check now' }).click();
  await waitFor('a later check', () => sub.getAttribute('data-checked'), (v) => !!v && v > before, 30_000);
  await sub.getByRole('button', { name: 'Check now' }).waitFor(); // the poll ended
  await screenshot(stack.page, 'account-subscriptions', { fullPage: true });
  await sub.getByRole('button', { name: 'Remove' }).click();
  await sub.waitFor({ state: 'detached' });
  await expectText(stack.page.getByText('No subscriptions yet.'), 'No subscriptions yet.');
}, 90_000);

it('lists the worker on /admin/workers, with yt-dlp’s health and the server’s answer to “Update yt-dlp”', async () => {
  await stack.page.getByRole('navigation').getByRole('link', { name: 'Workers' }).click();
  await stack.page.waitForURL('**/admin/workers');
  const worker = stack.page.getByTestId('worker');
  await worker.waitFor();
  expect(await worker.count()).toBe(1);
  const [heartbeat] = (await stack.admin.get('/api/admin/workers')).body.workers;
  expect(await worker.getAttribute('data-id')).toBe(heartbeat.id);
  await expectText(worker, `pid ${heartbeat.pid}`);
  await expectText(worker, `ffmpeg ${heartbeat.ffmpeg.version}`);
  const health = (await fetch(`${stack.app.baseUrl}/api/health`).then((r) => r.json())) as { details: { ytdlp: { version: string } } };
  await expectText(stack.page.getByTestId('ytdlp'), health.details.ytdlp.version);
  await stack.page.getByRole('button', { name: 'Update yt-dlp' }).click();
  // Test apps use the system's yt-dlp (YTDLP_PATH set): the server refuses, with a sentence.
  await expectText(stack.page.getByRole('alert'), 'There is no managed yt-dlp to update');
  await screenshot(stack.page, 'workers', { fullPage: true });
  expect((await stack.admin.get('/api/admin/workers')).status).toBe(200);
});

it('speaks Chinese on the new sections and fits a phone without sideways scrolling', async () => {
  const zh = await newPage(stack.browser, stack.app.baseUrl, { locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await zh.goto('/account');
  await logInByLabel(zh, ADMIN_USERNAME, ADMIN_PASSWORD, { username: '用户名', password: '密码', submit: '登录' });
  await zh.getByRole('heading', { name: '订阅', exact: true }).waitFor();
  await zh.getByLabel('播放列表或频道链接').waitFor();
  await zh.getByLabel('接收地址（URL）').waitFor();
  await zh.getByRole('button', { name: '添加 Webhook' }).waitFor();
  expect(await scrollsSideways(zh)).toBe(false);
  await zh.getByRole('navigation').getByRole('link', { name: '工作进程' }).click();
  await zh.getByTestId('worker').waitFor();
  await zh.getByRole('button', { name: '更新 yt-dlp' }).waitFor();
  expect(await scrollsSideways(zh)).toBe(false);
  await zh.getByRole('navigation').getByRole('link', { name: '视频' }).click();
  await card(zh, collectionId).getByRole('button', { name: '显示其中的视频' }).click();
  await waitFor('children', () => zh.getByTestId('child').count(), (n) => n === 3);
  await expectText(card(zh, collectionId).getByTestId('counts'), '3 个中 3 个就绪');
  expect(await scrollsSideways(zh)).toBe(false);
  await screenshot(zh, 'phone-collection-zh');
  await zh.context().close();
}, 60_000);

it('says the server is restarting when the api stops, until the socket is back', async () => {
  await stack.page.goto('/');
  await expectText(stack.page.getByTestId('connection'), 'live');
  const port = stack.app.port;
  await stack.app.stop(); // SIGTERM: the api sends serverShutdown first
  await expectText(stack.page.getByTestId('restarting'), 'The server is restarting; reconnecting…');
  await screenshot(stack.page, 'restarting');
  // The same port, Redis and data: the page's socket comes back to it by itself (spawnApp, since
  // startApp's readiness probe would look at the fresh port it picks).
  const again = await spawnApp({ redisUrl: stack.redis.url, dataDir: stack.dataDir, env: { ...ENV, PORT: String(port) } });
  stack.onTeardown(() => again.stop());
  const live = () => fetch(`http://127.0.0.1:${port}/api/health/live`).then((r) => r.status, () => 0);
  await waitFor('the api back on its port', live, (s) => s === 200, 30_000);
  await stack.page.getByTestId('restarting').waitFor({ state: 'detached', timeout: 30_000 });
  await expectText(stack.page.getByTestId('connection'), 'live');
  await card(stack.page, collectionId).waitFor(); // the same session, the same list
}, 90_000);
