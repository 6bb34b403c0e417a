/**
 * Takes the README's screenshots afresh: the users list, a user page and a bulk confirmation,
 * at 1366×768, of a fresh server on seeded users. Run it after the pages change:
 *
 *   npx tsx bench/readme-screenshots.ts
 *
 * It writes docs/users-list.png, docs/user-page.png and docs/bulk-confirmation.png.
 */
import { sql } from 'drizzle-orm';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seedUsers } from '../src/seed/seed.js';
import { addSuperuser } from '../test/helpers/app.js';
import { launchBrowser, signInAsAdmin, startServer } from '../test/helpers/browser.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const cleanups: (() => unknown)[] = [];
const teardown = { teardown: (fn: () => unknown) => void cleanups.push(fn) };

try {
  const { app, baseUrl } = await startServer(teardown);
  await addSuperuser(app);
  seedUsers(app.db, { users: 2000, replace: false });
  // A user with a supervisor, groups and an email shows the most of the user page.
  const shown = app.db.get<{ id: number }>(
    sql`select u.id from users u where u.admin_role is null and u.supervisor_id is not null
        and u.email is not null and exists (select 1 from user_groups m where m.user_id = u.id)
        order by u.id limit 1`,
  )!;
  const group = app.db.get<{ id: number; n: number }>(
    sql`select g.id, count(*) as n from groups g join user_groups m on m.ref_id = g.id
        group by g.id order by n desc limit 1`,
  )!;

  const browser = await launchBrowser(teardown);
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await signInAsAdmin(page, baseUrl);
  mkdirSync(DOCS, { recursive: true });

  await page.goto(`${baseUrl}/users`);
  await page.screenshot({ path: `${DOCS}users-list.png` });

  await page.goto(`${baseUrl}/users/${shown.id}`);
  await page.screenshot({ path: `${DOCS}user-page.png` });

  await page.goto(`${baseUrl}/users?group=${group.id}`);
  // The bulk bar appears with the first tick, as in Entra and Google Workspace.
  await page.getByLabel('Select all users on this page').check();
  await page.getByRole('button', { name: `Select all ${group.n} matching` }).click();
  await page.getByLabel('Action for the selected users').selectOption('deactivate');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByRole('heading', { name: /^Deactivate/ }).waitFor();
  await page.screenshot({ path: `${DOCS}bulk-confirmation.png` });
  console.log(`Screenshots written to ${DOCS}`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
