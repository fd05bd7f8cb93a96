// The web client in a real browser (headless Chromium): log in, paste a link, watch the job's
// progress live, and play the result through hls.js; a reload keeps the session and the list.
import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { api, AppProcess, login, startApp } from './support/app';
import { makeMedia, MediaSet } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { RedisHandle, startRedis } from './support/redis';

let redis: RedisHandle;
let media: MediaSet;
let server: MediaServer;
let app: AppProcess;
let browser: Browser;
let page: Page;
const shots = path.resolve(__dirname, '..', '.test-tmp');

beforeAll(async () => {
  [redis, media] = await Promise.all([startRedis(), makeMedia()]); // Playwright gives Chromium a fresh profile
  // Slow enough to watch the bar move, quick enough for the suite.
  server = await startMediaServer(media.dir, { bytesPerSecond: 400_000 });
  app = await startApp({ redisUrl: redis.url });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  fs.mkdirSync(shots, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await server?.stop();
  await redis?.stop();
  await media?.cleanup();
});

it('refuses a wrong password with the server’s sentence', async () => {
  await page.goto(app.baseUrl);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toBe('That username and password do not match.');
});

it('logs in, shows a job moving live to completed, and plays it', async () => {
  await page.fill('input[name=password]', 'admin-test-password');
  await page.click('button[type=submit]');
  await page.getByText('live', { exact: true }).waitFor();
  await page.fill('input[name=url]', server.url('/clip.mp4'));
  await page.selectOption('select[name=format]', '720p');
  await page.click('button:has-text("Download")');

  const job = page.getByTestId('job').first();
  // Progress arrives while it downloads: the bar's value climbs before the end.
  const seen = new Set<number>();
  const deadline = Date.now() + 60_000;
  while ((await job.getAttribute('data-state')) !== 'completed') {
    if (Date.now() > deadline) throw new Error(`still ${await job.getAttribute('data-state')}`);
    seen.add(Number(await job.getByRole('progressbar').getAttribute('aria-valuenow')));
    if (seen.size === 3) await page.screenshot({ path: path.join(shots, 'web-progress.png') });
    await page.waitForTimeout(100);
  }
  expect([...seen].filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(2);
  expect(await job.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');

  await job.getByRole('button', { name: 'Play' }).click();
  const video = page.getByTestId('player');
  await video.waitFor();
  await page.waitForFunction(() => {
    const v = (globalThis as unknown as { document: { querySelector(s: string): { currentTime: number; videoWidth: number } | null } }).document.querySelector('video');
    return !!v && v.currentTime > 1 && v.videoWidth === 1280;
  }, undefined, { timeout: 20_000 });
  await page.screenshot({ path: path.join(shots, 'web-playing.png') });
}, 120_000);

it('keeps the session and the list across a reload', async () => {
  await page.reload();
  await page.getByText('live', { exact: true }).waitFor();
  await page.getByTestId('job').first().waitFor();
  expect(await page.getByTestId('job').first().getAttribute('data-state')).toBe('completed');
});

it('drops a job from the page when it is deleted elsewhere', async () => {
  const elsewhere = api(app.baseUrl, (await login(app.baseUrl)).token);
  const id = (await elsewhere.get('/api/jobs')).body.items[0].id as string;
  expect((await elsewhere.del(`/api/jobs/${id}`)).status).toBe(204);
  await page.getByTestId('job').first().waitFor({ state: 'detached', timeout: 5000 });
  expect(await page.getByTestId('job').count()).toBe(0);
});
