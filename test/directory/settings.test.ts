import t from 'tap';
import { sql } from 'drizzle-orm';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { signedInHelper } from '../helpers/directory.js';
import { freePort } from '../helpers/smtp.js';
import { BASE_DN, BIND_DN, BIND_PASSWORD, startLdapServer } from '../helpers/ldap.js';
import { DEFAULT_ATTRIBUTE_MAP, DIRECTORY_FIELDS } from '../../src/directory/attribute-map.js';
import { readDirectoryConnection } from '../../src/directory/directory-settings.js';

async function signedInSuperuser(t: { teardown(fn: () => unknown): void }) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  return { app, browser };
}

/** The form as the page fills it for AD, pointing at `url`. */
function form(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    url,
    bindDn: BIND_DN,
    password: BIND_PASSWORD,
    baseDn: BASE_DN,
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    ...Object.fromEntries(DIRECTORY_FIELDS.map((field) => [`attr-${field}`, DEFAULT_ATTRIBUTE_MAP[field]])),
    syncIntervalMinutes: '60',
    syncMaxChangePercent: '10',
    ...extra,
  };
}

const count = (app: Awaited<ReturnType<typeof buildTestApp>>, table: string) =>
  app.db.get<{ n: number }>(sql.raw(`select count(*) as n from ${table}`))!.n;

t.test('a new page starts from the Active Directory defaults, and only superusers reach it', async (t) => {
  const { app, browser } = await signedInSuperuser(t);
  const page = await browser.get('/settings/directory');
  t.equal(page.statusCode, 200);
  t.match(page.body, /<a href="\/settings\/directory" aria-current="page">Directory<\/a>/);
  t.match(page.body, /value="\(&amp;\(objectCategory=person\)\(objectClass=user\)\)"/, 'the AD filter');
  for (const attribute of [
    'sAMAccountName',
    'givenName',
    'sn',
    'displayName',
    'telephoneNumber',
    'department',
    'company',
    'manager',
    'userAccountControl',
    'objectGUID',
  ])
    t.match(page.body, `value="${attribute}"`, `${attribute} is mapped by default`);
  t.notMatch(page.body, /Run a sync now/, 'no sync before anything is saved');

  const helper = await signedInHelper(app);
  t.notMatch(
    (await helper.client.get('/')).body,
    /href="\/settings\/directory"/,
    "not in a scoped administrator's nav",
  );
  const refused = await helper.client.get('/settings/directory');
  t.equal(refused.statusCode, 403);
  t.equal((await helper.client.post('/settings/directory', form('ldap://127.0.0.1:389'))).statusCode, 403);
  t.equal(count(app, 'directory_settings'), 0);
});

t.test('a refused form names every problem and keeps the input, but never the password', async (t) => {
  const { app, browser } = await signedInSuperuser(t);
  await browser.get('/settings/directory');
  const res = await browser.post(
    '/settings/directory',
    form('http://dc1.example.com', {
      baseDn: 'example.com',
      userFilter: '(&(objectClass=user)',
      'attr-username': '',
      'attr-email': 'mail address',
      caCertificate: 'not a certificate',
      syncIntervalMinutes: '1',
      syncMaxChangePercent: '150',
    }),
  );
  t.equal(res.statusCode, 422);
  t.match(res.body, /The address must start with ldap:\/\/ or ldaps:\/\//);
  t.match(res.body, /Enter a distinguished name such as OU=Staff,DC=example,DC=com/);
  t.match(res.body, /The parentheses in this filter do not pair up/);
  t.match(res.body, /Enter the attribute that holds the username/);
  t.match(res.body, /Enter one attribute name/);
  t.match(res.body, /Paste the certificate in PEM form/);
  t.match(res.body, /Enter a number of minutes from 5 to 10080/);
  t.match(res.body, /Enter a share from 1 to 100 per cent/);
  t.match(res.body, /value="http:\/\/dc1.example.com"/, 'input kept');
  t.notMatch(res.body, BIND_PASSWORD, 'the password is not echoed');

  const tls = await browser.post('/settings/directory', form('ldaps://dc1.example.com', { startTls: '1' }));
  t.match(tls.body, /An ldaps:\/\/ address is encrypted from the start/);
  const nopass = await browser.post('/settings/directory', form('ldap://dc1.example.com', { password: '' }));
  t.match(nopass.body, /Enter the password that goes with this bind DN/);
  t.equal(count(app, 'directory_settings'), 0, 'nothing saved');
});

t.test(
  'saved settings keep the password sealed, never show it, keep it when left blank, and are audited in words',
  async (t) => {
    const { app, browser } = await signedInSuperuser(t);
    await browser.get('/settings/directory');
    const saved = await browser.post('/settings/directory', form('ldaps://dc1.example.com:636'));
    t.equal(saved.statusCode, 303);
    const page = await browser.get('/settings/directory');
    t.match(page.body, /The directory settings are saved/);
    t.match(page.body, /A password is stored. Leave this blank to keep it/);
    t.notMatch(page.body, BIND_PASSWORD);
    const row = app.db.$client.prepare('select * from directory_settings').get() as Record<string, unknown>;
    t.notOk(JSON.stringify(row).includes(BIND_PASSWORD), 'the password is not stored as text');
    t.ok(Buffer.isBuffer(row.bind_password_sealed));
    t.equal(readDirectoryConnection(app.db, app.directory.sealer)!.bindPassword, BIND_PASSWORD, 'it opens again');

    await browser.post(
      '/settings/directory',
      form('ldaps://dc2.example.com:636', { password: '', 'attr-username': 'userPrincipalName' }),
    );
    t.equal(
      readDirectoryConnection(app.db, app.directory.sealer)!.bindPassword,
      BIND_PASSWORD,
      'left blank, it is kept',
    );
    t.equal(readDirectoryConnection(app.db, app.directory.sealer)!.attributeMap.username, 'userPrincipalName');

    const audit = await browser.get('/audit');
    t.match(audit.body, /Directory settings changed/);
    t.match(audit.body, /Server address/);
    t.match(audit.body, /ldaps:\/\/dc2.example.com:636/);
    t.match(audit.body, /Attribute for Username/);
    t.notMatch(audit.body, BIND_PASSWORD);
  },
);

t.test('the connection test counts the matching entries and shows the first few, and writes nothing', async (t) => {
  const ldap = await startLdapServer(t);
  const { app, browser } = await signedInSuperuser(t);
  await browser.get('/settings/directory');
  const before = count(app, 'audit_entries');
  const res = await browser.post('/settings/directory/test', form(ldap.url));
  t.equal(res.statusCode, 200);
  t.match(res.body, /Connected\./);
  t.match(res.body, /5 entries match the base DN and filter/, 'the computer is left out by the AD filter');
  t.match(res.body, /Björn Þórsson/);
  t.match(res.body, /value="ldap:\/\/127.0.0.1/, 'the form is kept as typed');
  t.equal(count(app, 'directory_settings'), 0, 'testing does not save');
  t.equal(count(app, 'audit_entries'), before);

  // Saved, then tested with the password left blank: the stored one is used.
  await browser.post('/settings/directory', form(ldap.url));
  const again = await browser.post('/settings/directory/test', form(ldap.url, { password: '' }));
  t.match(again.body, /5 entries match/);
});

t.test('a test that fails says why in words', async (t) => {
  const ldap = await startLdapServer(t);
  const { browser } = await signedInSuperuser(t);
  await browser.get('/settings/directory');

  const wrong = await browser.post('/settings/directory/test', form(ldap.url, { password: 'not the password' }));
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /The connection test failed/);
  t.match(wrong.body, /The directory refused the bind DN and password/);

  const base = await browser.post(
    '/settings/directory/test',
    form(ldap.url, { baseDn: 'ou=Nowhere,dc=example,dc=org' }),
  );
  t.match(base.body, /The base DN &quot;ou=Nowhere,dc=example,dc=org&quot; does not exist in the directory/);

  const port = await freePort();
  const down = await browser.post('/settings/directory/test', form(`ldap://127.0.0.1:${port}`));
  t.match(
    down.body,
    new RegExp(`Roster could not reach the directory server at 127.0.0.1:${port}: nothing answers on that port`),
  );

  const none = await browser.post('/settings/directory/test', form(ldap.url, { userFilter: '(department=Nobody)' }));
  t.match(none.body, /No entries match the base DN and filter/);
});
