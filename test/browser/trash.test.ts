import t from 'tap';
import { sql } from 'drizzle-orm';
import { addSuperuser } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { collectPageErrors, launchBrowser, signInAsAdmin, startServer } from '../helpers/browser.js';

const SCREENSHOTS = process.env.TRASH_SCREENSHOTS;

t.test('search the trash, select all matching across pages, confirm, and see them restored', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const deletedAt = new Date(Date.now() - 60_000);
  for (let i = 0; i < 60; i++)
    addUser(app.db, { username: `lind${i}`, firstName: `Ann${i}`, lastName: 'Lind', deletedAt });
  for (let i = 0; i < 5; i++)
    addUser(app.db, { username: `marsh${i}`, firstName: `Bo${i}`, lastName: 'Marsh', deletedAt });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/trash`);
  await page.getByText('of 65 users in the trash').waitFor();

  await page.getByRole('searchbox', { name: 'Search the trash' }).fill('lind');
  await page.waitForURL(/q=lind/);
  await page.getByText('of 60 users in the trash').waitFor();
  await page.getByRole('checkbox', { name: 'Select all users on this page' }).check();
  await page.getByText('50 selected').waitFor();
  await page.getByRole('button', { name: 'Select all 60 matching' }).click();
  await page.getByText('All 60 matching users selected').waitFor();
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/trash-selection.png`, fullPage: true });
  await page.getByLabel('Action for the selected users').selectOption('restore');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();

  await page.getByRole('heading', { name: 'Restore users?' }).waitFor();
  t.match(await page.locator('.confirm-count').innerText(), /60 users will be restored, of 60 users selected/);
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/trash-confirm.png`, fullPage: true });
  await page.getByRole('button', { name: 'Restore 60 users' }).click();
  await page.getByText('60 users restored.').waitFor();

  const left = app.db.all<{ username: string }>(sql`select username from users where deleted_at is not null`);
  t.equal(left.length, 5, 'only those the search did not match stay in the trash');
  t.ok(left.every((u) => u.username.startsWith('marsh')));
  await page.getByRole('link', { name: 'Back to the trash' }).click();
  await page.getByText('No users in the trash match “lind”').waitFor();
  await page.getByRole('link', { name: 'Clear the search' }).click();
  await page.getByText('of 5 users in the trash').waitFor();
  t.equal(await page.locator('tbody input[name="id"]:checked').count(), 0, 'a finished action starts afresh');
  t.same(errors(), [], 'no console errors');
});
