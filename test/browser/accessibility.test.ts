import t from 'tap';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser } from '../helpers/app.js';
import { seriousViolations } from '../helpers/axe.js';
import { launchBrowser, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addManagedUser, USER_PASSWORD } from '../helpers/portal.js';

/**
 * Every page of the walk, checked by axe-core as a person reaches it: the console from sign-in to
 * the job a bulk action starts, then the account portal. A page with a serious or critical
 * violation (a control without a name, text below contrast, a broken landmark…) fails the test.
 */
t.test('no page of the walk has a serious or critical accessibility violation', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 60, replace: false });
  const someone = app.db.get<{ id: number }>(sql`select id from users where admin_role is null order by id limit 1`)!;
  const lonely = app.db.get<{ id: number }>(
    sql`select id from users u where admin_role is null and id <> ${someone.id}
        and not exists (select 1 from users r where r.supervisor_id = u.id) order by id limit 1`,
  )!;
  await addManagedUser(app, { username: 'mira', fullName: 'Mira Novak' });
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const found: string[] = [];
  const check = async (p: Page, what: string) => {
    const violations = await seriousViolations(p);
    t.same(violations, [], what);
    found.push(...violations);
  };

  await page.goto(`${baseUrl}/signin`);
  await check(page, 'sign-in');
  await signInAsAdmin(page, baseUrl);
  await check(page, 'overview');

  for (const [path, what] of [
    ['/', 'overview'],
    ['/users', 'users list'],
    [`/users/${someone.id}`, 'user page'],
    ['/users/new', 'new user form'],
    [`/users/${someone.id}/edit`, 'edit user form'],
    [`/users/new?from=${someone.id}`, 'clone form'],
    [`/users/${someone.id}/delete`, 'delete confirmation'],
    ['/trash', 'trash'],
    ['/audit', 'audit log'],
    ['/settings/mail', 'mail settings'],
    ['/settings/mail/queue', 'mail queue'],
    ['/admins', 'administrators'],
    ['/admins/grant', 'make an administrator'],
    ['/admins/new', 'new administrator'],
    ['/users/supervisor-change', 'change supervisor'],
    ['/lists', 'reference lists'],
    ['/lists/groups', 'one reference list'],
    ['/users/import', 'import upload'],
  ] as const) {
    await page.goto(`${baseUrl}${path}`);
    await check(page, what);
  }

  // A refused form shows its errors beside the fields.
  await page.goto(`${baseUrl}/users/new`);
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('alert').first().waitFor();
  await check(page, 'new user form with errors');

  // Someone deleted, so the Trash has a row.
  await page.goto(`${baseUrl}/users/${lonely.id}/delete`);
  await page.getByRole('button', { name: /^Delete / }).click();
  await page.goto(`${baseUrl}/trash`);
  await check(page, 'trash with a deleted user');

  await page.goto(`${baseUrl}/users/import`);
  // The import preview, with a problem to show.
  await page.getByLabel(/CSV file/).setInputFiles({
    name: 'team.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('Last Name;First Name;User Type;Email\nHolm;Åsa;Employee;asa@example\n'),
  });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('heading', { name: 'Match the columns' }).waitFor();
  await check(page, 'import column matching');
  await page.getByRole('button', { name: 'Check the rows' }).click();
  await page.getByRole('heading', { name: 'Problems', exact: true }).waitFor();
  await check(page, 'import preview');

  // A bulk action on two ticked rows: the list with its selection bar, the confirmation, the job.
  await page.goto(`${baseUrl}/users`);
  const boxes = page.locator('tbody input[name="id"]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByText('2 selected').waitFor();
  await check(page, 'users list with a selection');
  await page.getByLabel('Action for the selected users').selectOption('deactivate');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByRole('heading', { name: 'Deactivate: selected users' }).waitFor();
  await check(page, 'bulk confirmation');
  await page.getByRole('button', { name: /^Deactivate \d+ users?$/ }).click();
  await page.waitForURL(/\/jobs\//);
  await page
    .getByText(/deactivated/)
    .first()
    .waitFor();
  await check(page, 'job page');

  // The account portal, as a managed user.
  const portal = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await portal.goto(`${baseUrl}/login`);
  await check(portal, 'portal sign-in');
  await portal.getByRole('textbox', { name: 'Username or email' }).fill('mira');
  await portal.getByLabel('Password').fill(USER_PASSWORD);
  await portal.getByRole('button', { name: 'Sign in' }).click();
  await portal.getByRole('heading', { name: 'Your account' }).waitFor();
  await check(portal, 'portal account');

  t.same(found, [], 'no serious or critical violation anywhere');
});
