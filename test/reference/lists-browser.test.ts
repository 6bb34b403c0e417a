import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser } from '../helpers/directory.js';

t.test('a superuser adds a group, renames it, merges another into it and sees the users move', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg', groups: ['Sales EMEA'] });
  addUser(app.db, { username: 'bo', firstName: 'Bo', lastName: 'Lind', groups: ['Sales EMEA'] });
  addUser(app.db, { username: 'cy', firstName: 'Cy', lastName: 'Nordin', groups: ['Support'] });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lists' }).click();
  await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
  await saveScreenshot(page, 'lists-overview');
  await page.getByRole('link', { name: /^Groups/ }).click();
  await page.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();

  // Add: a clash is refused in the page, with what was typed kept.
  const newGroup = page.getByRole('textbox', { name: 'New group' });
  await newGroup.fill('support');
  await page.getByRole('button', { name: 'Add group' }).click();
  await page.getByText('There is already a group called “Support”').waitFor();
  t.equal(await newGroup.inputValue(), 'support', 'the refused name is kept');
  await newGroup.fill('Sals');
  await page.getByRole('button', { name: 'Add group' }).click();
  await page.getByText('“Sals” was added to the groups.').waitFor();

  // Rename the new group.
  const row = (name: string) => page.getByRole('row', { name: new RegExp(`^${name} `) });
  await row('Sals').getByText('Rename or merge').click();
  await page.getByRole('textbox', { name: 'Rename “Sals” to' }).fill('Sales');
  await saveScreenshot(page, 'lists-rename-open');
  await row('Sals').getByRole('button', { name: 'Rename', exact: true }).click();
  await page.getByText('“Sals” was renamed to “Sales”.').waitFor();
  await saveScreenshot(page, 'lists-groups');

  // Merge Sales EMEA into it: a confirmation that counts the users, then the job's summary.
  await row('Sales EMEA').getByText('Rename or merge').click();
  await page.getByLabel('Merge “Sales EMEA” into').selectOption({ label: 'Sales' });
  await row('Sales EMEA').getByRole('button', { name: 'Review the merge' }).click();
  await page.getByRole('heading', { name: 'Merge “Sales EMEA” into “Sales”: 2 users will move' }).waitFor();
  await saveScreenshot(page, 'lists-merge-confirm');
  await page.getByRole('button', { name: 'Merge into “Sales”' }).click();
  await page.getByText('“Sales EMEA” was merged into “Sales”: 2 users moved.').waitFor();
  await saveScreenshot(page, 'lists-merge-done');

  await page.getByRole('link', { name: 'Back to the groups' }).click();
  t.equal(await row('Sales EMEA').count(), 0, 'Sales EMEA is gone');
  await row('Sales').getByRole('link', { name: '2 users' }).click();
  await page.waitForURL(/\/users\?group=/);
  for (const name of ['Öberg', 'Lind']) t.ok(await page.getByRole('link', { name: new RegExp(name) }).count(), name);
  t.equal(await page.getByRole('link', { name: /Nordin/ }).count(), 0, 'Cy stays in Support');

  t.same(errors(), [], 'no console errors');
});
