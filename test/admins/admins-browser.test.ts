import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser } from '../helpers/directory.js';

const PASSWORD = 'sales lead passphrase';

t.test('a superuser creates a scoped administrator, who then sees only the users in scope', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg', groups: ['Sales'] });
  addUser(app.db, { username: 'arne', firstName: 'Arne', lastName: 'Berg', groups: ['Sales', 'Support'] });
  const sue = addUser(app.db, { username: 'sue', firstName: 'Sue', lastName: 'Smith', groups: ['Support'] });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  const errors = collectPageErrors(page);

  // The superuser opens Administrators and creates the account.
  await signInAsAdmin(page, baseUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administrators' }).click();
  await page.getByRole('heading', { name: 'Administrators' }).waitFor();
  await page.getByRole('link', { name: 'New administrator account' }).click();
  await page.getByRole('heading', { name: 'New administrator account' }).waitFor();
  await page.getByRole('textbox', { name: 'Username' }).fill('lena');
  await page.getByRole('textbox', { name: 'Full name' }).fill('Lena Lead');
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  t.ok(await page.getByRole('radio', { name: /Scoped administrator/ }).isChecked(), 'scoped is the starting choice');
  await page.getByRole('group', { name: 'Groups' }).getByLabel('Sales').check();
  await page.getByLabel('View users').check();
  await saveScreenshot(page, 'admins-new');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.waitForURL(`${baseUrl}/admins`);
  await page.getByText('Lena Lead was created as an administrator.').waitFor();
  const row = page.getByRole('row', { name: /Lena Lead/ });
  t.match(await row.innerText(), /Scoped administrator\s+Groups: Sales\s+View users\s+Never\s+Not set up\s+Active/);
  await saveScreenshot(page, 'admins-list');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();

  // The new administrator signs in and sees Sales only.
  await page.getByRole('textbox', { name: 'Username or email' }).fill('lena');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/`);
  t.equal(
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administrators' }).count(),
    0,
    'no Administrators link for a scoped administrator',
  );
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(`${baseUrl}/users`);
  await page.getByText(/Showing 1–2 of 2 users/).waitFor();
  t.equal(await page.getByRole('link', { name: 'Ann Öberg' }).count(), 1, 'Ann (Sales) is listed');
  t.equal(await page.getByRole('link', { name: 'Arne Berg' }).count(), 1, 'Arne (Sales and Support) is listed');
  t.equal(await page.getByText('Sue Smith').count(), 0, 'Sue (Support) is not');
  t.equal(await page.getByText('Ada Admin').count(), 0, 'nor the superuser');

  // A user outside the scope does not exist, even by URL.
  const response = await page.goto(`${baseUrl}/users/${sue.id}`);
  t.equal(response!.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  t.equal(await page.getByText('Sue Smith').count(), 0);

  t.same(errors(), [], 'no console errors (CSP included)');
});
