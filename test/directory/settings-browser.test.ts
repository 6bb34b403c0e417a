import t from 'tap';
import { addSuperuser } from '../helpers/app.js';
import { collectPageErrors, launchBrowser, saveScreenshot, signInAsAdmin, startServer } from '../helpers/browser.js';
import { BASE_DN, BIND_DN, BIND_PASSWORD, startLdapServer } from '../helpers/ldap.js';

t.test('a superuser connects the directory, tests it before saving, and saves it', async (t) => {
  const ldap = await startLdapServer(t);
  const { app, baseUrl } = await startServer(t);
  await addSuperuser(app);
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Directory' }).click();
  await page.getByRole('heading', { name: 'Directory', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: 'Server address' }).fill(ldap.url);
  await page.getByRole('textbox', { name: 'Bind DN' }).fill(BIND_DN);
  await page.getByLabel('Bind password').fill(BIND_PASSWORD);
  await page.getByRole('textbox', { name: 'Base DN' }).fill(BASE_DN);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('5 entries match the base DN and filter.').waitFor();
  t.ok(await page.getByRole('cell', { name: 'Zoë Ångström' }).isVisible(), 'the first entries are shown');
  t.equal(await page.getByRole('textbox', { name: 'Server address' }).inputValue(), ldap.url, 'the form is kept');
  await saveScreenshot(page, 'directory-tested');

  // The password field comes back empty: typed again, then saved.
  await page.getByLabel('Bind password').fill(BIND_PASSWORD);
  await page.getByRole('button', { name: 'Save directory settings' }).click();
  await page.getByText('The directory settings are saved.').waitFor();
  t.ok(await page.getByRole('heading', { name: 'Sync' }).isVisible());
  await page.screenshot({ path: '/tmp/directory-saved.png', fullPage: true });
  t.same(errors(), []);
});
