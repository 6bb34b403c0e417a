import t from 'tap';
import { readFile } from 'node:fs/promises';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';

t.test('Export CSV from the bar: the ticked users, then with none ticked the whole list', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 60, replace: false });
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users`);

  const exported = async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    t.match(download.suggestedFilename(), /^roster-users-\d{4}-\d{2}-\d{2}\.csv$/);
    return (await readFile((await download.path())!, 'utf8')).split('\r\n').filter((line) => line !== '');
  };

  const boxes = page.locator('tbody input[name="id"]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByText('2 selected').waitFor();
  await saveScreenshot(page, 'export-in-selection-bar');
  const ticked = await exported();
  t.equal(ticked.length, 3, 'a header and the two ticked users');
  t.match(ticked[0], /^\uFEFFName,Username,Email,/);

  await page.getByRole('button', { name: 'Clear selection' }).click();
  t.equal((await exported()).length, 62, 'a header and all 61 users');
  t.same(errors(), []);
});
