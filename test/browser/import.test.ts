import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser, referenceId } from '../helpers/directory.js';

t.test('a person imports a file from the empty list: upload, preview with a problem, fix, confirm', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  referenceId(app.db, 'user_types', 'Employee');
  referenceId(app.db, 'groups', 'Sales');
  referenceId(app.db, 'territories', 'North');
  addUser(app.db, { username: 'bo', firstName: 'Bo', lastName: 'Ssman' });
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);

  await page.goto(`${baseUrl}/users`);
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await page.waitForURL(`${baseUrl}/users/import`);
  await saveScreenshot(page, 'import-upload');
  const header = 'Last Name;First Name;User Type;Email;Groups;Territory;Supervisor\n';
  const withProblem = `${header}Holm;Åsa;Employee;asa@example.com;Sales;North;bo\nBerg;Per;Manager;per@example;Sales;;\n`;
  await page
    .getByLabel(/CSV file/)
    .setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from(withProblem) });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('heading', { name: 'Problems', exact: true }).waitFor();
  t.match(await page.getByRole('alert').innerText(), /1 row of 2 has 2 problems/);
  t.equal(await page.getByRole('button', { name: /Create/ }).count(), 0, 'no confirmation while a row has a problem');
  await saveScreenshot(page, 'import-preview-problems');

  await page.getByRole('link', { name: 'Upload a corrected file' }).click();
  const fixed = `${header}Holm;Åsa;Employee;asa@example.com;Sales;North;bo\nBerg;Per;Employee;per@example.com;Sales;;asa.holm\n`;
  await page
    .getByLabel(/CSV file/)
    .setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('button', { name: 'Create 2 users' }).waitFor();
  t.match(await page.locator('.import-sample').innerText(), /asa\.holm/);
  await saveScreenshot(page, 'import-preview');

  await page.getByRole('button', { name: 'Create 2 users' }).click();
  await page.getByText('2 users imported from team.csv').waitFor();
  await saveScreenshot(page, 'import-done');
  await page.getByRole('link', { name: 'Show the imported users' }).click();
  await page.getByRole('link', { name: 'Per Berg', exact: true }).waitFor();
  t.equal(await page.getByRole('link', { name: 'Åsa Holm', exact: true }).count(), 1);
  t.same(errors(), [], 'no console errors (CSP included)');
});
