// Debian's Chromium driven by playwright-core, for the dashboard's browser tests: one browser,
// a context per person, logging in by the form's labels, screenshots kept as test artifacts.
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from './app';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];

export const SCREENSHOT_DIR = path.join(REPO_ROOT, '.test-tmp', 'screenshots');
// With VIDPIPE_UPDATE_SCREENSHOTS=1 the README's pictures (docs/screenshots) are refreshed too.
const DOCS_SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A fresh profile (no cookies, no storage) as one person would have it. */
export async function newPage(browser: Browser, baseUrl: string, opts: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 850 }, locale: 'en-US', ...opts });
  return context.newPage();
}

/** Fills the login form by its labels (English unless told) and waits for the dashboard's header. */
export async function logInByLabel(page: Page, username: string, password: string, labels = { username: 'Username', password: 'Password', submit: 'Log in' }): Promise<void> {
  await page.getByLabel(labels.username, { exact: true }).fill(username);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
  await page.getByTestId('connection').waitFor();
}

export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  if (process.env.VIDPIPE_UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_SCREENSHOT_DIR, `${name}.png`));
  }
}

/** True when the page scrolls sideways (wider than the viewport). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { scrollingElement: { scrollWidth: number } }; innerWidth: number });
    return doc.document.scrollingElement.scrollWidth > doc.innerWidth;
  });
}

/** A job's card in the dashboard's list. */
export const card = (page: Page, id: string): Locator => page.locator(`[data-testid=job][data-id="${id}"]`);

/** Polls `probe` every 100 ms until `ok` holds and resolves with that value; past `timeoutMs` it fails with the last one. */
export async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the first element of `locator` is there and its text contains `text`. */
export async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  await waitFor(`text "${text}"`, async () => (await locator.first().textContent()) ?? '', (t) => t.includes(text), 10_000);
}
