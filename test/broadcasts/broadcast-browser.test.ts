import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { addUser } from '../helpers/directory.js';
import { addManagedUser, USER_PASSWORD } from '../helpers/portal.js';
import { tomorrowAtNine } from './fixture.js';

t.test('an administrator broadcasts to users ticked on the list; a recipient reads and dismisses it', async (t) => {
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg', groups: ['Sales'] });
  await addManagedUser(app, { username: 'mira', fullName: 'Mira Novak' });
  addUser(app.db, { username: 'sid', firstName: 'Sid', lastName: 'Support', groups: ['Support'], teams: ['Blue'] });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  const errors = collectPageErrors(page);

  await signInAsAdmin(page, baseUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('checkbox', { name: 'Select Ann Öberg' }).check();
  await page.getByRole('checkbox', { name: 'Select Mira Novak' }).check();
  await page.getByLabel('Action for the selected users').selectOption({ label: 'Broadcast a message…' });
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByRole('heading', { name: 'New broadcast' }).waitFor();
  t.ok(await page.getByRole('radio', { name: /2 users chosen on the users list/ }).isChecked());

  const when = tomorrowAtNine();
  await page.getByRole('textbox', { name: 'Subject' }).fill('Server move on Saturday');
  await page
    .getByRole('textbox', { name: 'Message' })
    .fill('Roster moves to a new server.\nExpect an hour without it.');
  await page.getByLabel('Category').selectOption({ label: 'Maintenance' });
  await page.getByRole('radio', { name: /At a date and time/ }).check();
  await page.getByLabel('Date', { exact: true }).fill(when.sendDate);
  await page.getByLabel('Time', { exact: true }).fill(when.sendTime);
  await saveScreenshot(page, 'broadcast-new');
  await page.getByRole('button', { name: 'Create broadcast' }).click();
  await page.waitForURL(`${baseUrl}/broadcasts`);
  await page.getByText('“Server move on Saturday” will be sent on').waitFor();
  const row = page.getByRole('row', { name: /Server move on Saturday/ });
  t.match(await row.innerText(), /2 users chosen on the users list[\s\S]*Scheduled[\s\S]*Ada Admin/);
  await saveScreenshot(page, 'broadcast-list');

  // It goes at its time; Mira finds it in her portal and dismisses it.
  await app.broadcasts.sender.sendDue(when.at);
  await page.goto(`${baseUrl}/login`);
  await page.getByRole('textbox', { name: /Username/ }).fill('mira');
  await page.getByLabel('Password').fill(USER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/account`);
  const banner = page.getByRole('region', { name: 'Messages from your administrators' });
  t.match(
    await banner.innerText(),
    /Maintenance\s+Server move on Saturday\s+Roster moves to a new server\.\nExpect an hour without it\./,
  );
  await saveScreenshot(page, 'broadcast-banner');
  await banner.getByRole('button', { name: /Dismiss/ }).click();
  await page.waitForURL(`${baseUrl}/account`);
  t.equal(await page.getByText('Server move on Saturday').count(), 0, 'gone once dismissed');
  t.same(errors(), []);
});
