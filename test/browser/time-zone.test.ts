import t from 'tap';
import { recordAudit } from '../../src/audit/record.js';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser } from '../helpers/directory.js';

t.test("dates read in the browser's time zone, and the administrator may choose another", async (t) => {
  const { app, baseUrl } = await startServer(t);
  const admin = await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Anderson' });
  recordAudit(
    app.db,
    {
      action: 'user.update',
      actor: { id: admin.id, name: 'Ada Admin' },
      target: { id: ann.id, name: 'Ann Anderson' },
      changes: { licenceType: ['viewer', 'full'], status: ['active', 'inactive'] },
    },
    new Date('2026-11-27T05:50:12.716Z'),
  );
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 }, timezoneId: 'Europe/Oslo' });
  const page = await context.newPage();
  const errors = collectPageErrors(page);

  // The first page after signing in reports the browser's zone, once, under the strict CSP.
  const reported = page.waitForResponse((r) => r.url().endsWith('/preferences/browser-time-zone'));
  await signInAsAdmin(page, baseUrl);
  t.equal((await reported).status(), 204, "the browser's zone is sent");

  await page.goto(`${baseUrl}/audit`);
  const row = page.getByRole('row', { name: /Ann Anderson/ });
  t.match(await row.innerText(), '27 Nov 2026, 06:50:12', 'in Oslo time');
  t.match(await row.innerText(), /Licence type:\s*Viewer\s*→\s*Full/);
  await saveScreenshot(page, 'audit-local-time');

  // The name in the top bar leads to the preferences, where another zone can be chosen.
  await page.getByRole('banner').getByRole('link', { name: 'Ada Admin' }).click();
  await page.getByRole('heading', { name: 'Your preferences' }).waitFor();
  await page.getByLabel('Time zone').selectOption('America/New_York');
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await page.getByText('Dates are now shown in America/New York time.').waitFor();
  await saveScreenshot(page, 'preferences');

  await page.goto(`${baseUrl}/audit`);
  t.match(await page.getByRole('row', { name: /Ann Anderson/ }).innerText(), '27 Nov 2026, 00:50:12', 'now New York');
  t.same(errors(), [], 'no console errors or CSP violations');
});
