import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser, referenceId } from '../helpers/directory.js';

t.test('a person imports a file: upload, columns, preview with a problem, fix and remap, confirm', async (t) => {
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
  await page.getByRole('heading', { name: 'Match the columns' }).waitFor();
  t.equal(await page.getByLabel('Last Name', { exact: true }).inputValue(), 'lastName', 'recognised from its header');
  await saveScreenshot(page, 'import-columns');
  await page.getByRole('button', { name: 'Check the rows' }).click();
  // The check runs as a job; the preview replaces its progress when it is done.
  await page.getByRole('heading', { name: 'Problems', exact: true }).waitFor();
  t.match(await page.getByRole('alert').innerText(), /1 row of 2 has 2 problems/);
  t.equal(await page.getByRole('button', { name: /Create/ }).count(), 0, 'no confirmation while a row has a problem');
  await saveScreenshot(page, 'import-preview-problems');

  await page.getByRole('link', { name: 'Upload a corrected file' }).click();
  const renamed = `${header.replace('Last Name', 'Nachname').trim()};Notiz`;
  const fixed = `${renamed}\nHolm;Åsa;Employee;asa@example.com;Sales;North;bo;x\nBerg;Per;Employee;per@example.com;Sales;;asa.holm;y\n`;
  await page
    .getByLabel(/CSV file/)
    .setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByLabel('Nachname').selectOption({ label: 'Last Name' });
  t.equal(await page.getByLabel('Notiz', { exact: true }).inputValue(), '', 'an unknown column is left out');
  await page.getByRole('button', { name: 'Check the rows' }).click();
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
