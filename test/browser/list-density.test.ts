import type { Page } from 'playwright-core';
import t from 'tap';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, signInAsAdmin, startServer } from '../helpers/browser.js';

/** Screenshots for people to look at, outside the repository. */
const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/roster-${name}.png` });

/** The list's rows whose whole box lies inside the window, as a person sees them without scrolling. */
const rowsAboveTheFold = (page: Page) =>
  page.evaluate(
    () =>
      [...document.querySelectorAll('tbody tr')].filter((row) => {
        const box = row.getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
      }).length,
  );

const scrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

/** The contrast ratio of two CSS rgb() colours, as WCAG defines it. */
function contrast(a: string, b: string): number {
  const luminance = (colour: string) => {
    const [r, g, bl] = (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

t.test('on a laptop the list shows at least 12 rows, filters fold, and the bulk bar waits for a tick', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 120, replace: false });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users`);
  await shot(page, 'list-1366');
  t.notOk(
    await page.locator('.table-wrap').evaluate((el) => el.scrollWidth > el.clientWidth),
    'the default columns fit without scrolling the table',
  );

  const shown = await rowsAboveTheFold(page);
  t.ok(shown >= 12, `${shown} rows fully visible above the fold`);
  const names = page.locator('td.col-name');
  const lineHeights = await names.evaluateAll((cells) =>
    cells.map((c) => c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight)),
  );
  t.ok(
    lineHeights.every((lines) => lines < 2.5),
    'no name wraps onto a second line',
  );

  // The less used filters are behind "More filters", which opens without script.
  const territory = page.getByRole('combobox', { name: /^Territory/ });
  t.notOk(await territory.isVisible(), 'Territory waits behind More filters');
  await page.getByText('More filters').click();
  await shot(page, 'list-1366-more');
  t.ok(await territory.isVisible(), 'More filters shows Territory');
  await page.getByText('More filters').click();

  // Nothing ticked: no bulk actions, but the list can still be exported.
  const action = page.getByLabel('Action for the selected users');
  t.notOk(await action.isVisible(), 'no bulk actions before anything is ticked');
  t.ok(await page.getByRole('button', { name: 'Export CSV' }).isVisible(), 'Export is there');
  await page.locator('tbody').getByRole('checkbox').first().check();
  await action.waitFor();
  t.ok(await page.getByText('1 selected').isVisible(), 'the bar counts the tick');
  const fontSize = (selector: string) => page.locator(selector).evaluate((el) => getComputedStyle(el).fontSize);
  t.equal(await fontSize('#bulk-action'), await fontSize('#user-search'), 'the action select shares the font');
  await shot(page, 'list-1366-ticked');

  // "Clear selection" and each row's Clone look like the live controls they are.
  const clear = page.getByRole('button', { name: 'Clear selection' });
  const clone = page.getByRole('link', { name: /^Clone / }).first();
  for (const [what, control] of [
    ['Clear selection', clear],
    ['Clone', clone],
  ] as const) {
    const style = await control.evaluate((el) => ({
      colour: getComputedStyle(el).color,
      opacity: getComputedStyle(el).opacity,
    }));
    t.equal(style.opacity, '1', `${what} is not faded`);
    t.ok(contrast(style.colour, 'rgb(255, 255, 255)') >= 4.5, `${what} has the accent's contrast`);
    t.notSame(style.colour, 'rgb(91, 101, 119)', `${what} is not in the muted grey`);
  }
  await clear.click();
  await action.waitFor({ state: 'hidden' });

  // The keyboard focus ring: at least 2 px, and 3:1 against the page around it.
  await page.getByRole('searchbox', { name: 'Search users' }).focus();
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const el = document.activeElement!;
    const style = getComputedStyle(el);
    return { width: parseFloat(style.outlineWidth), colour: style.outlineColor, style: style.outlineStyle };
  });
  t.ok(ring.style !== 'none' && ring.width >= 2, `a ${ring.width}px focus ring`);
  t.ok(contrast(ring.colour, 'rgb(255, 255, 255)') >= 3, 'the ring stands out against white');
  t.ok(contrast(ring.colour, 'rgb(246, 247, 249)') >= 3, 'and against the page background');

  // Compact density is kept for this administrator, across visits.
  await page.getByRole('button', { name: 'Compact' }).click();
  await page.waitForLoadState('load');
  const compact = await rowsAboveTheFold(page);
  t.ok(compact > shown, `compact shows more rows (${compact})`);
  await page.goto(`${baseUrl}/users`);
  t.equal(await rowsAboveTheFold(page), compact, 'compact is remembered');
  t.equal(await page.getByRole('button', { name: 'Compact' }).getAttribute('aria-pressed'), 'true');
  await shot(page, 'list-1366-compact');
  await page.getByRole('button', { name: 'Comfortable' }).click();
  await page.waitForLoadState('load');
  t.equal(await rowsAboveTheFold(page), shown, 'back to comfortable');

  t.same(errors(), [], 'no console errors');
});

t.test('on a phone nothing scrolls sideways, users are cards, and every action is reachable', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 40, replace: false });
  const browser = await launchBrowser(t);
  const page = await // Not isMobile: a phone browser would zoom out to fit a page that is too wide, hiding the fault.
  (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  t.notOk(await scrollsSideways(page), 'Overview fits');
  await page.goto(`${baseUrl}/users`);
  await shot(page, 'list-390');
  t.notOk(await scrollsSideways(page), 'the list fits the width');

  const { name, email } = app.db.$client
    .prepare(
      "select first_name || ' ' || last_name as name, email from users where admin_role is null and status = 'active' order by id limit 1",
    )
    .get() as { name: string; email: string };
  const card = page.locator('tbody tr', { hasText: email });
  const text = await card.innerText();
  t.match(text, name, 'the card names the user');
  t.match(text, email, 'and gives the email');
  t.match(text, /Active|Inactive|Blocked|Locked/, 'and the status');
  const cardBox = (await card.boundingBox())!;
  t.ok(cardBox.width <= 390, 'the card fits the screen');
  for (const action of ['New user', 'Import', 'Change supervisor', 'Refresh']) {
    const link = page.getByRole('link', { name: action, exact: true });
    const box = await link.boundingBox();
    t.ok(box && box.x >= 0 && box.x + box.width <= 390, `${action} is on screen`);
  }

  await card.getByRole('checkbox').check();
  await page.getByLabel('Action for the selected users').waitFor();
  await page.getByText('More filters').click();
  await shot(page, 'list-390-ticked');
  t.notOk(await scrollsSideways(page), 'the bulk bar and More filters fit too');
  await page.getByText('More filters').click();
  await card.getByRole('link').first().click();
  await page.waitForURL(/\/users\/\d+$/);
  await shot(page, 'user-390');
  t.notOk(await scrollsSideways(page), 'the user page fits the width');
  for (const action of ['Edit', 'Clone', 'Users they supervise', 'Delete']) {
    const box = await page.getByRole('link', { name: action, exact: true }).boundingBox();
    t.ok(box && box.x >= 0 && box.x + box.width <= 390, `${action} is on screen`);
  }
  for (const action of ['Deactivate…', 'Block…']) {
    const control = page.getByText(action, { exact: true });
    const box = await control.boundingBox();
    t.ok(box && box.x >= 0 && box.x + box.width <= 390, `${action} is on screen`);
  }
  await page.getByText('Deactivate…', { exact: true }).click();
  t.notOk(await scrollsSideways(page), 'an open confirmation fits too');
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.waitForURL(/\/edit$/);
  await shot(page, 'form-390');
  t.notOk(await scrollsSideways(page), 'the form fits the width');
  await page.goto(`${baseUrl}/users/new`);
  t.notOk(await scrollsSideways(page), 'so does the New user form');

  // Other tables keep their cells on a phone: the cards are the users list's alone.
  await page.goto(`${baseUrl}/audit`);
  await t.resolves(
    page.getByRole('cell', { name: 'Administrator signed in' }).first().waitFor(),
    'the audit log shows its entries',
  );

  t.same(errors(), [], 'no console errors');
});
