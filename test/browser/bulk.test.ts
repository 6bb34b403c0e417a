import t from 'tap';
import { sql } from 'drizzle-orm';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';

t.test('filter, select all matching, bulk update, and see the result', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 120, replace: false });
  const group = app.db.get<{ id: number; name: string; n: number }>(
    sql`select g.id, g.name, count(*) as n from groups g join user_groups m on m.ref_id = g.id
        group by g.id order by n desc limit 1`,
  )!;
  const territory = app.db.get<{ id: number; name: string }>(
    sql`select id, name from territories order by name limit 1`,
  )!;
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users`);

  // Ticks survive paging: two on the first page, one on the second.
  const boxes = page.locator('tbody input[name="id"]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByText('2 selected').waitFor();
  await page.getByRole('link', { name: 'Next ›' }).click();
  await page.waitForURL(/page=2/);
  await page.locator('tbody input[name="id"]').nth(0).check();
  await page.getByText('3 selected').waitFor();
  await page.getByRole('link', { name: '‹ Previous' }).click();
  await page.waitForURL((url) => !url.search.includes('page=2'));
  t.same(
    await page
      .locator('tbody input[name="id"]')
      .evaluateAll((all) => all.map((b) => (b as HTMLInputElement).checked).slice(0, 3)),
    [true, true, false],
    'the first page shows its ticks again',
  );
  await saveScreenshot(page, 'bulk-selection-bar');
  await page.getByLabel('Action for the selected users').selectOption('deactivate');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByRole('heading', { name: 'Deactivate: selected users' }).waitFor();
  t.match(await page.locator('.confirm-count').innerText(), /of 3 users selected/, 'ticks from both pages');
  await page.getByRole('link', { name: 'Cancel' }).click();

  // Filter by a group, then select everyone it matches, across pages.
  await page.getByRole('combobox', { name: 'Group' }).selectOption(String(group.id));
  await page.waitForURL(new RegExp(`group=${group.id}`));
  await page.locator('.chip', { hasText: `Group: ${group.name}` }).waitFor();
  await page.getByRole('button', { name: 'Clear selection' }).click();
  // The bulk bar waits for a tick: the page's box first, then everyone the filter matches.
  await page.getByRole('checkbox', { name: 'Select all users on this page' }).check();
  await page.getByRole('button', { name: `Select all ${group.n} matching` }).click();
  await page.getByText(`All ${group.n} matching users selected`).waitFor();
  const selectAll = page.getByRole('button', { name: `Select all ${group.n} matching` });
  t.ok(
    (await selectAll.count()) === 0 || !(await selectAll.isVisible()) || !(await selectAll.isEnabled()),
    'once used, "Select all matching" is no longer offered',
  );
  t.equal(await page.locator('tbody input[name="id"]:not(:checked)').count(), 0, 'every row on the page is ticked');

  await page.getByLabel('Action for the selected users').selectOption('update');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByRole('heading', { name: `Update ${group.n} users` }).waitFor();
  await page.getByLabel('Territory').selectOption(String(territory.id));
  await saveScreenshot(page, 'bulk-update-form');
  await page.getByRole('button', { name: 'Review the changes' }).click();
  await page.getByText(`Territory: ${territory.name}`).waitFor();
  await saveScreenshot(page, 'bulk-update-confirm');
  await page.getByRole('button', { name: /^Update \d+ users?$/ }).click();

  await page.getByText(/users? updated\./).waitFor();
  await saveScreenshot(page, 'bulk-update-done');
  const moved = app.db.get<{ n: number }>(
    sql`select count(*) as n from users u join user_groups m on m.user_id = u.id and m.ref_id = ${group.id}
        where u.territory_id = ${territory.id}`,
  )!.n;
  t.equal(moved, group.n, 'every member of the group is in the territory now');

  await page.getByRole('link', { name: 'Back to the users list' }).click();
  await page.waitForURL(new RegExp(`/users\\?group=${group.id}$`));
  t.pass('the summary leads back to the filtered list');
  await page.getByText('More filters').click();
  await page.getByRole('combobox', { name: 'Territory' }).selectOption(String(territory.id));
  await page.locator('.chip', { hasText: `Territory: ${territory.name}` }).waitFor();
  const shown = /of ([\d,]+) users?/.exec(await page.locator('.results-count').innerText());
  t.ok(Number(shown?.[1]?.replace(/,/g, '')) >= group.n, 'the list by that territory holds them');
  t.ok(await page.locator('[data-selection-count]').isHidden(), 'a finished action starts a fresh selection');
  t.same(errors(), [], 'no console errors or CSP violations');
});
