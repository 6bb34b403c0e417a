import type { Page } from 'playwright-core';
import t from 'tap';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';

const usernames = (page: Page) => page.locator('td.col-username').allInnerTexts();
const headings = (page: Page) => page.locator('.users-table th:not(.col-select)').allInnerTexts();
const countText = (page: Page) => page.locator('.results-count').innerText();

t.test('search, sort, page and choose columns; Back restores each earlier view', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 150, replace: false });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = collectPageErrors(page);

  await signInAsAdmin(page, baseUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(`${baseUrl}/users`);
  t.match(await countText(page), /Showing 1–50 of 151 users/);

  // Typing searches as you type, and only the table region changes: the box keeps focus.
  const search = page.getByRole('searchbox', { name: 'Search users' });
  await search.pressSequentially('son', { delay: 30 });
  await page.waitForURL(/q=son/);
  await page.locator('.chip', { hasText: 'Search: son' }).waitFor();
  const found = await usernames(page);
  t.ok(found.length > 0 && found.length < 50, `a narrower list (${found.length} rows)`);
  t.ok(await search.evaluate((el) => el === document.activeElement), 'the search box keeps focus');
  const searchUrl = page.url();

  // Sort by username, then reverse it.
  await page.getByRole('link', { name: 'Username' }).click();
  await page.waitForURL(/sort=username/);
  const ascending = await usernames(page);
  t.same(
    ascending,
    [...ascending].sort((a, b) => a.localeCompare(b, 'en')),
    'sorted by username',
  );
  t.equal(await page.locator('th', { hasText: 'Username' }).getAttribute('aria-sort'), 'ascending');
  await page.getByRole('link', { name: /Username/ }).click();
  await page.waitForURL(/sort=-username/);
  t.equal(await page.locator('th', { hasText: 'Username' }).getAttribute('aria-sort'), 'descending');
  t.same(await usernames(page), [...ascending].reverse().slice(0, ascending.length), 'reversed');
  const sortedUrl = page.url();
  const sortedRows = await usernames(page);

  // Clear the search and page through everyone with 25 rows a page.
  await page.goto(`${baseUrl}/users?size=25&sort=username`);
  const firstPage = await usernames(page);
  await page.getByRole('link', { name: 'Next ›' }).click();
  await page.waitForURL(/page=2/);
  t.match(await countText(page), /Showing 26–50 of 151 users/);
  const secondPage = await usernames(page);
  t.equal(secondPage.length, 25);
  t.notOk(
    secondPage.some((u) => firstPage.includes(u)),
    'no row repeats across pages',
  );
  const pagedUrl = page.url();

  // Hide the Email column and move Username first.
  await page.locator('summary', { hasText: 'Columns' }).click();
  await page.getByRole('checkbox', { name: 'Email' }).uncheck();
  await page.getByRole('button', { name: 'Move Username up' }).click();
  await page.waitForURL(/page=2/);
  t.same(
    (await headings(page)).slice(0, 2).map((h) => h.replace(/[↑↓]/g, '').trim()),
    ['Username', 'Name'],
  );
  t.notOk(
    (await headings(page)).some((h) => h.startsWith('Email')),
    'Email is hidden',
  );
  await saveScreenshot(page, 'users-list');

  // Back walks through the earlier views, each as it was.
  await page.goBack();
  await page.waitForURL(pagedUrl);
  await page.locator('.results-count', { hasText: 'Showing 26–50 of' }).waitFor();
  await page.goBack();
  await page.waitForURL(`${baseUrl}/users?size=25&sort=username`);
  // The address changes at once; the restored content arrives a moment later.
  await page.locator('.results-count', { hasText: 'Showing 1–25 of' }).waitFor();
  t.same(await usernames(page), firstPage, 'page 1 again');
  await page.goBack();
  await page.waitForURL(sortedUrl);
  await page.locator('.chip', { hasText: 'Search: son' }).waitFor();
  t.same(await usernames(page), sortedRows, 'the sorted search again');
  t.equal(await search.inputValue(), 'son', 'the search box shows the search again');
  await page.goBack();
  await page.waitForURL(/sort=username/);
  await page.goBack();
  await page.waitForURL(searchUrl);
  t.same(errors(), [], 'no console errors');
});
