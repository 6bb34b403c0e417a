import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { databaseId, databasesOf, databasesSortOf, giveAccess } from '../databases/fixture.js';
import { refreshDerivedFields } from '../../src/users/derived-fields.js';
import { seriousViolations } from '../helpers/axe.js';

t.test('the database view: switch to it, give and take away access in place, keep the keyboard focus', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const finance = databaseId(app.db, 'Finance');
  databaseId(app.db, 'Sales DB');
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg', email: 'ann@example.com' });
  giveAccess(app.db, ann.id, finance);
  refreshDerivedFields(app.db, [ann.id]);
  addUser(app.db, { username: 'bo', firstName: 'Bo', lastName: 'Ssman' });

  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users?q=ann`);
  await page.getByRole('navigation', { name: 'View' }).getByRole('link', { name: 'Databases' }).click();
  await page.waitForURL(/view=databases/);
  t.match(page.url(), /q=ann/, 'the search stays');
  await page.getByRole('columnheader', { name: 'Sales DB' }).waitFor();

  const give = page.getByRole('button', { name: 'Give Ann Öberg access to Sales DB' });
  await give.click();
  await page.getByText('Ann Öberg may now open Sales DB.').waitFor();
  const take = page.getByRole('button', { name: 'Take away Ann Öberg’s access to Sales DB' });
  await take.waitFor();
  t.same(databasesOf(app.db, ann.id), ['Finance', 'Sales DB']);
  t.equal(databasesSortOf(app.db, ann.id), 'finance, sales db');
  t.match(page.url(), /view=databases/, 'the page stays where it was');

  // The cell is replaced, but its button keeps the focus: a second key press takes it away again.
  t.ok(await take.evaluate((el) => el === document.activeElement), 'the focus stays on the cell');
  await page.keyboard.press('Enter');
  await page.getByText('Ann Öberg may no longer open Sales DB.').waitFor();
  t.same(databasesOf(app.db, ann.id), ['Finance']);

  await page.goto(`${baseUrl}/users?view=databases`);
  await page.getByText('Change…').first().click();
  t.same(await seriousViolations(page), [], 'no serious accessibility violation, with a column menu open');
  await saveScreenshot(page, 'database-view');
  t.same(errors(), [], 'no errors in the page');
});

t.test('without JavaScript each cell is a small form, and the list comes back', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const salesDb = databaseId(app.db, 'Sales DB');
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg' });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users?view=databases&q=ann`);
  await page.getByRole('button', { name: 'Give Ann Öberg access to Sales DB' }).click();
  await page.getByText('Ann Öberg may now open Sales DB.').waitFor();
  t.match(page.url(), /view=databases&q=ann|q=ann&view=databases/, 'back to the same list');
  t.same(databasesOf(app.db, ann.id), ['Sales DB']);
  t.ok(salesDb);

  // The column's action for all matching leads to the bulk confirmation.
  await page.getByText('Change…').click();
  await page.getByRole('button', { name: 'Take away access to Sales DB from all 1 matching' }).click();
  await page.getByRole('heading', { name: 'Take away access to Sales DB' }).waitFor();
  await page.getByRole('button', { name: 'Take away access to Sales DB from 1 user' }).click();
  await page.getByText('1 user updated.').waitFor();
  t.same(databasesOf(app.db, ann.id), []);
});
