import t from 'tap';
import { DEFAULT_ATTRIBUTE_MAP } from '../../src/directory/attribute-map.js';
import { DEFAULT_USER_FILTER, saveDirectorySettings } from '../../src/directory/directory-settings.js';
import { addSuperuser } from '../helpers/app.js';
import { referenceId } from '../helpers/directory.js';
import { collectPageErrors, launchBrowser, signInAsAdmin, startServer } from '../helpers/browser.js';
import { BASE_DN, BIND_DN, BIND_PASSWORD, SAMPLE, startLdapServer } from '../helpers/ldap.js';

t.test('a superuser imports from the directory: choices, a preview of every entry, then the import', async (t) => {
  const ldap = await startLdapServer(
    t,
    SAMPLE.filter((p) => p.cn !== 'Nameless Entry' && p.cn !== 'Ghost Report'),
  );
  const { app, baseUrl } = await startServer(t);
  const admin = await addSuperuser(app);
  referenceId(app.db, 'user_types', 'Employee');
  saveDirectorySettings(
    app.db,
    app.directory.sealer,
    {
      url: ldap.url,
      startTls: false,
      caCertificate: '',
      bindDn: BIND_DN,
      password: { set: BIND_PASSWORD },
      baseDn: BASE_DN,
      userFilter: DEFAULT_USER_FILTER,
      attributeMap: DEFAULT_ATTRIBUTE_MAP,
      syncEnabled: false,
      syncIntervalMinutes: 60,
      syncDeactivateMissing: false,
      syncMaxChangePercent: 10,
    },
    { id: admin.id, name: 'admin' },
  );
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  const errors = collectPageErrors(page);
  await signInAsAdmin(page, baseUrl);

  await page.goto(`${baseUrl}/settings/directory`);
  await page.getByRole('link', { name: 'Import from the directory' }).click();
  await page.getByRole('heading', { name: 'Import from the directory', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Read the directory' }).click();
  await page.getByText('Choose the user type new users get.').first().waitFor();
  await page.getByLabel('User type for new users').selectOption({ label: 'Employee' });
  await page.getByLabel('Create missing groups and companies').check();
  await page.screenshot({ path: '/tmp/directory-import-choices.png', fullPage: true });
  await page.getByRole('button', { name: 'Read the directory' }).click();

  await page.getByRole('heading', { name: 'Import preview' }).waitFor();
  t.ok(await page.getByRole('cell', { name: 'cn=Zoë Ångström,ou=People,dc=example,dc=org' }).isVisible());
  await page.screenshot({ path: '/tmp/directory-import-preview.png', fullPage: true });
  await page.getByRole('button', { name: 'Create 3 users' }).click();
  await page.getByText('3 users imported from the directory at 127.0.0.1.').waitFor();
  await page.screenshot({ path: '/tmp/directory-import-done.png', fullPage: true });
  t.same(errors(), []);
});
