import { eq } from 'drizzle-orm';
import t from 'tap';
import { users } from '../../src/db/schema.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser, referenceId } from '../helpers/directory.js';

t.test('a person creates a resource with a suggested supervisor and copies the generated password', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  referenceId(app.db, 'user_types', 'Employee');
  referenceId(app.db, 'roles', 'Manager');
  referenceId(app.db, 'groups', 'Sales');
  const boss = addUser(app.db, { username: 'boss', firstName: 'Bo', lastName: 'Ssman' });
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors = collectPageErrors(page);

  await signInAsAdmin(page, baseUrl);
  await page.goto(`${baseUrl}/users`);
  await page.getByRole('link', { name: 'New user' }).click();
  await page.waitForURL(`${baseUrl}/users/new`);

  t.notOk(await page.locator('.availability').isVisible(), 'availability is hidden for a plain user');
  t.notOk(await page.getByLabel('Password', { exact: true }).isVisible(), 'no password field while generating');

  // Submitting with nothing filled in shows the errors and keeps the page usable.
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('link', { name: 'Enter a username.' }).waitFor();

  await page.getByRole('textbox', { name: 'Username' }).fill('res1');
  await page.getByLabel('First name').fill('Room');
  await page.getByLabel('Last name').fill('Eleven');
  await page.getByLabel('User type').selectOption({ label: 'Employee' });
  await page.getByLabel('Role').selectOption({ label: 'Manager' });
  await page.getByLabel('Sales').check();
  await page.getByLabel(/A resource/).check();
  t.ok(await page.locator('.availability').isVisible(), 'availability shows for a resource');
  await page.getByLabel('Odd weeks, Monday').fill('7.5');

  await page.getByLabel(/Supervisor/).pressSequentially('ssm', { delay: 30 });
  await page.locator(`#supervisor-options option[value="Bo Ssman · boss"]`).waitFor({ state: 'attached' });
  await page.getByLabel(/Supervisor/).fill('Bo Ssman · boss');
  await saveScreenshot(page, 'user-form-new');

  await page.getByRole('button', { name: 'Create user' }).click();
  await page.waitForURL(/\/users\/\d+$/);
  const code = page.locator('#generated-password');
  const password = (await code.innerText()).trim();
  t.match(password, /^[\w]{5}(-[\w]{5}){3}$/);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  t.equal(await page.evaluate(() => navigator.clipboard.readText()), password, 'the copy button copies it');
  await saveScreenshot(page, 'user-created');

  const created = app.db.select().from(users).where(eq(users.username, 'res1')).get()!;
  t.match(created, { supervisorId: boss.id, kind: 'resource', availability: { odd: [7.5, 0, 0, 0, 0, 0, 0] } });

  await page.getByRole('link', { name: 'Edit' }).click();
  await page.waitForURL(`${baseUrl}/users/${created.id}/edit`);
  await page.getByLabel('Extension').fill('42');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(`${baseUrl}/users/${created.id}`);
  await page.getByText('Room Eleven was saved.').waitFor();
  t.same(errors(), [], 'no console errors (CSP included)');
});
