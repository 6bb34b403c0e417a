import t from 'tap';
import type { Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, saveScreenshot, startServer } from '../helpers/browser.js';

const ADMIN = {
  username: 'ada',
  fullName: 'Ada Lovelace',
  email: 'ada@example.com',
  password: 'violet tugboat uncle 42',
};

/** htmx must have loaded under the strict CSP on every page, or every hx-* attribute is dead. */
async function htmxLoaded(page: Page): Promise<string> {
  await page.waitForLoadState('load');
  return page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx);
}

/**
 * A form field found by the name a screen reader announces for it. getByLabel would compare the
 * label's raw text, which includes the required-field asterisk that is hidden from that name.
 */
function field(page: Page, label: string) {
  return page.getByRole('textbox', { name: label, exact: true });
}

/** What a screen reader announces with the field besides its name: its hint and error. */
async function describedBy(page: Page, label: string): Promise<string> {
  const ids = (await field(page, label).getAttribute('aria-describedby')) ?? '';
  const parts = await Promise.all(
    ids
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => page.locator(`[id="${id}"]`).innerText()),
  );
  return parts.join(' ');
}

t.test('first run: set up the first administrator, sign in, see the overview, sign out', async (t) => {
  const { app, baseUrl } = await startServer(t);
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = collectPageErrors(page);
  const path = () => new URL(page.url()).pathname;

  const token = app.firstRun.setupToken;
  t.ok(token, 'a fresh install has a setup token');
  await page.goto(`${baseUrl}/setup?token=${token}`);
  await page.getByRole('heading', { name: 'Set up Roster' }).waitFor();
  t.equal(await htmxLoaded(page), 'object', 'htmx loaded on the setup page');

  await field(page, 'Username').fill(ADMIN.username);
  await field(page, 'Full name (optional)').fill(ADMIN.fullName);
  await field(page, 'Email (optional)').fill(ADMIN.email);
  await field(page, 'Password').fill('short1!');
  await field(page, 'Repeat the password').fill('short1!');
  await page.getByRole('button', { name: 'Create administrator' }).click();

  await page.getByRole('alert').filter({ hasText: 'Please correct this field' }).waitFor();
  t.equal(path(), '/setup', 'a refused form stays on the setup page');
  const password = field(page, 'Password');
  t.equal(await password.getAttribute('aria-invalid'), 'true', 'the password field is marked invalid');
  t.match(await describedBy(page, 'Password'), /at least 12 characters/i, 'the field says why');
  t.equal(await field(page, 'Username').inputValue(), ADMIN.username, 'the username is kept');
  t.equal(await field(page, 'Full name (optional)').inputValue(), ADMIN.fullName, 'the full name is kept');
  t.equal(await password.inputValue(), '', 'the password is never sent back to the page');
  t.equal(await htmxLoaded(page), 'object', 'htmx loaded on the re-rendered form');
  await saveScreenshot(page, 'setup');

  await password.fill(ADMIN.password);
  await field(page, 'Repeat the password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.waitForURL((url) => url.pathname === '/signin');
  await page
    .getByRole('status')
    .filter({ hasText: 'Roster is set up. Sign in with the account you just created.' })
    .waitFor();
  t.equal(await htmxLoaded(page), 'object', 'htmx loaded on the sign-in page');
  await saveScreenshot(page, 'signin');

  await field(page, 'Username or email').fill(ADMIN.username);
  await field(page, 'Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await page.getByRole('banner').getByText(ADMIN.fullName, { exact: true }).waitFor();
  t.pass('the overview shows its heading and the signed-in name in the top bar');
  t.equal(await htmxLoaded(page), 'object', 'htmx loaded on the overview');
  await saveScreenshot(page, 'overview');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/signin');
  await page.getByRole('status').filter({ hasText: 'You have signed out.' }).waitFor();
  t.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'no sign-out button once signed out');

  await page.goto(`${baseUrl}/`);
  t.equal(path(), '/signin', 'the overview now sends you to sign in');
  await page.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();

  t.same(problems(), [], 'no console errors, CSP violations or uncaught exceptions');
});
