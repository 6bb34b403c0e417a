import type { FastifyInstance } from 'fastify';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { addSuperuser, ADMIN_PASSWORD, tempDir, testConfig } from './app.js';
import { referenceId } from './directory.js';

/** The smallest shape of a tap test these helpers need: somewhere to register clean-up. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Debian's package, not a Playwright download: `npx playwright install` cannot fetch browsers here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Starts headless Chromium, closed when the test ends. A missing browser is an error, never a
 * skip: a suite that quietly drops its browser tests would report green without testing the UI.
 */
export async function launchBrowser(t: Teardown): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` ` +
        '(.ci/run does this), or set CHROMIUM_PATH to a Chromium executable.',
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * The real application listening on a free loopback port, on a fresh database of its own, so the
 * browser goes through sockets, headers and cookies exactly as in production.
 */
export async function startServer(t: Teardown): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = await buildApp(testConfig(tempDir(t)));
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png for people to look at; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = `${ARTIFACTS_DIR}${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Collects what a person would see in the developer console as red: console errors (CSP
 * violations are reported there) and uncaught exceptions, each naming the page it came from.
 * Read the list at the end of the test, once every event has arrived.
 *
 * Chromium also logs "Failed to load resource" when a page itself answers 4xx. Roster does that
 * on purpose (422 for a refused form, 401 for a failed sign-in, 404 for a bad setup link), so
 * those are not counted; a failed script, stylesheet or image still is.
 */
export function collectPageErrors(page: Page): () => string[] {
  const documents = new Set<string>();
  const entries: { page: string; text: string; url: string }[] = [];
  page.on('response', (response) => {
    const request = response.request();
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) documents.add(response.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error')
      entries.push({ page: page.url(), text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) =>
    entries.push({ page: page.url(), text: `uncaught ${error.name}: ${error.message}`, url: '' }),
  );

  const expected = (entry: { text: string; url: string }) =>
    entry.text.startsWith('Failed to load resource') && documents.has(entry.url);
  return () =>
    entries.filter((entry) => !expected(entry)).map((e) => `${e.page}: ${e.text}${e.url ? ` [${e.url}]` : ''}`);
}

/** Signs the superuser made by addSuperuser in through the sign-in form, as a person does. */
export async function signInAsAdmin(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByRole('textbox', { name: 'Username or email' }).fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

/**
 * The server, a browser, and a signed-in administrator on a New user form filled in for Kira
 * Lind: where every story of a new account starts.
 */
export async function adminAddingKira(t: Teardown) {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  referenceId(app.db, 'user_types', 'Employee');
  referenceId(app.db, 'roles', 'Agent');
  const browser = await launchBrowser(t);
  const admin = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  const adminErrors = collectPageErrors(admin);
  await signInAsAdmin(admin, baseUrl);
  await startNewKira(admin, baseUrl);
  return { app, baseUrl, browser, admin, adminErrors };
}

/** Opens New user and fills the required fields for Kira Lind (user type Employee, role Agent). */
export async function startNewKira(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/users/new`);
  await page.getByRole('textbox', { name: 'Username' }).fill('kira');
  await page.getByLabel('First name').fill('Kira');
  await page.getByLabel('Last name').fill('Lind');
  await page.getByLabel('User type').selectOption({ label: 'Employee' });
  await page.getByLabel('Role').selectOption({ label: 'Agent' });
}
