import t from 'tap';
import { sql } from 'drizzle-orm';
import { addSuperuser } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addonId, addonsOf, licenceOf, setPool } from '../licences/fixture.js';

t.test('the licence view: switch to it, change a licence in place, and be refused at the limit', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const crm = addonId(app.db, 'CRM');
  addonId(app.db, 'Rebates');
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg', email: 'ann@example.com' });
  const bo = addUser(app.db, { username: 'bo', firstName: 'Bo', lastName: 'Ssman' });
  for (let i = 0; i < 9; i++)
    addUser(app.db, { username: `v${i}`, firstName: 'Vi', lastName: `Ewer ${i}`, licenceType: 'viewer' });
  setPool(app.db, { full: 2, viewer: 10, addons: { [crm]: 1 } });

  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users?q=ann`);
  await page.getByRole('navigation', { name: 'View' }).getByRole('link', { name: 'Licences' }).click();
  await page.waitForURL(/view=licences/);
  t.match(page.url(), /q=ann/, 'the search stays');
  await page.getByText('9 of 10 used, 1 free').waitFor();
  await page.getByText('Nearly all used.').waitFor();

  // A change is saved as it is made: no Save button with JavaScript.
  t.equal(await page.getByRole('button', { name: 'Save licences of Ann Öberg' }).isVisible(), false);
  await page.getByLabel('Licence type of Ann Öberg').selectOption('full');
  await page.getByText('Ann Öberg: licences saved.').waitFor();
  await page.getByText('2 of 2 used, 0 free').waitFor();
  t.equal(licenceOf(app.db, ann.id), 'full');
  await page.getByLabel('CRM for Ann Öberg').check();
  await page.getByText('1 of 1 used, 0 free').waitFor();
  t.same(addonsOf(app.db, ann.id), [crm]);

  // At the limit: refused in the row, with the choice kept and the reason beside it.
  await page.goto(`${baseUrl}/users?view=licences&q=ssman`);
  await page.getByLabel('Licence type of Bo Ssman').selectOption('full');
  await page.getByText('Bo Ssman: Not enough licences. Full: 0 free, this would need 1.').waitFor();
  t.equal(await page.getByLabel('Licence type of Bo Ssman').inputValue(), 'full');
  t.equal(licenceOf(app.db, bo.id), 'none');
  await page.goto(`${baseUrl}/users?view=licences`);
  await saveScreenshot(page, 'licence-view');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Licences' }).click();
  await page.getByRole('heading', { name: 'Licences held' }).waitFor();
  await saveScreenshot(page, 'licence-pool');
  // The refusal answers 422, which Chromium logs as a failed load; nothing else may appear.
  const refusal = (e: string) =>
    /Failed to load resource: the server responded with a status of 422/.test(e) && e.includes('/licences]');
  t.same(
    errors().filter((e) => !refusal(e)),
    [],
    'no other errors in the page',
  );
  t.equal(app.db.get<{ n: number }>(sql`select count(*) as n from audit_entries where action = 'user.licence'`)!.n, 2);
});

t.test('without JavaScript each row is a small form with a Save button', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg' });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users?view=licences&q=ann`);
  await page.getByLabel('Licence type of Ann Öberg').selectOption('viewer');
  await page.getByRole('button', { name: 'Save licences of Ann Öberg' }).click();
  await page.getByText('Ann Öberg: licences saved.').waitFor();
  t.match(page.url(), /view=licences&q=ann|q=ann&view=licences/, 'back to the same list');
  t.equal(licenceOf(app.db, ann.id), 'viewer');
});
