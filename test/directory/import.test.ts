import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_ATTRIBUTE_MAP } from '../../src/directory/attribute-map.js';
import { DEFAULT_USER_FILTER, saveDirectorySettings } from '../../src/directory/directory-settings.js';
import { guidText } from '../../src/directory/ldap-client.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId } from '../helpers/directory.js';
import { checked, confirmImport } from '../helpers/import.js';
import {
  BASE_DN,
  BIND_DN,
  BIND_PASSWORD,
  changeDirectory,
  dnOf,
  guidBytesOf,
  replaceAttribute,
  SAMPLE,
  startLdapServer,
} from '../helpers/ldap.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

const guid = (cn: string) => guidText(guidBytesOf(cn));
/** The sample without its two broken entries: one without a username, one whose manager is gone. */
const WELL_FORMED = SAMPLE.filter((p) => !['Nameless Entry', 'Ghost Report'].includes(p.cn));

function configure(
  app: FastifyInstance,
  url: string,
  change: { baseDn?: string; password?: string; userFilter?: string } = {},
) {
  const admin = app.db.$client.prepare("select id from users where username = 'admin'").get() as { id: number };
  saveDirectorySettings(
    app.db,
    app.directory.sealer,
    {
      url,
      startTls: false,
      caCertificate: '',
      bindDn: BIND_DN,
      password: { set: change.password ?? BIND_PASSWORD },
      baseDn: change.baseDn ?? BASE_DN,
      userFilter: change.userFilter ?? DEFAULT_USER_FILTER,
      attributeMap: DEFAULT_ATTRIBUTE_MAP,
      syncEnabled: false,
      syncIntervalMinutes: 60,
      syncDeactivateMissing: false,
      syncMaxChangePercent: 10,
    },
    { id: admin.id, name: 'admin' },
  );
}

async function signedIn(t: Teardown) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const employee = referenceId(app.db, 'user_types', 'Employee');
  const browser = new Client(app);
  await browser.signIn();
  return { app, browser, employee };
}

/** Reads the directory as the page's button does, and opens the preview once the entries are checked. */
async function readDirectory(app: FastifyInstance, browser: Client, fields: Record<string, string>) {
  await browser.get('/users/import/directory');
  const posted = await browser.post('/users/import/directory', fields);
  if (posted.statusCode !== 303) return { posted, location: '', page: posted };
  const location = String(posted.headers.location);
  await checked(app, location);
  return { posted, location, page: await browser.get(location) };
}

async function importConfirmed(app: FastifyInstance, browser: Client, location: string) {
  const confirmed = await confirmImport(browser, location);
  const jobId = String(confirmed.headers.location).split('/').pop()!;
  await app.jobs.runner.finished(jobId);
  return browser.get(`/jobs/${jobId}`);
}

const user = (app: FastifyInstance, username: string) =>
  app.db.$client.prepare('select * from users where username = ?').get(username) as Record<string, unknown> | undefined;
const userCount = (app: FastifyInstance) =>
  (app.db.$client.prepare('select count(*) as n from users').get() as { n: number }).n;

t.test(
  'an import from the directory creates users linked to their entries, and a renamed entry updates the same user',
  async (t) => {
    const ldap = await startLdapServer(t, WELL_FORMED);
    const { app, browser, employee } = await signedIn(t);
    configure(app, ldap.url);
    const choices = { mode: 'both', matchOn: 'username', defaultUserType: String(employee), createMissing: 'on' };

    const { location, page } = await readDirectory(app, browser, choices);
    t.match(location, /^\/users\/import\/[a-f0-9]{32}$/);
    t.match(page.body, /the directory at 127\.0\.0\.1/);
    t.match(page.body, /<dt>To create<\/dt><dd>3<\/dd>/, 'the three people; the computer is left out by the filter');
    t.match(page.body, /“Sales”, “Example Nordic”/, 'the department and company are added to the lists');
    t.match(page.body, new RegExp(`cn=Björn Þórsson,ou=People`), 'entries are named by their DN');
    const done = await importConfirmed(app, browser, location);
    t.match(done.body, /3 users imported from the directory at 127\.0\.0\.1/);

    const bjorn = user(app, 'bjorn')!;
    const zoe = user(app, 'zoe')!;
    const jose = user(app, 'jose')!;
    t.equal(bjorn.directory_id, guid('Björn Þórsson'), 'each user keeps the id of their entry');
    t.equal(bjorn.first_name, 'Björn');
    t.equal(zoe.status, 'inactive', 'the entry disabled in the directory gives an inactive user');
    t.equal(bjorn.status, 'active');
    t.equal(zoe.supervisor_id, bjorn.id, "the manager's DN resolves to the user from that entry");
    t.equal(jose.supervisor_id, zoe.id);
    t.equal(jose.email, 'jose@example.org', 'userPrincipalName stands in for an empty mail');
    t.equal(jose.user_type_id, employee, 'new users get the user type chosen');

    const again = await readDirectory(app, browser, choices);
    t.match(again.page.body, /No changes:/, 'reading the same directory again changes nothing');

    // José is renamed in the directory: his entry moves to a new DN and gets a new login name.
    await changeDirectory(ldap.url, async (client) => {
      await client.modifyDN(dnOf('José Núñez'), 'cn=José Núñez-Ortiz');
      await replaceAttribute(client, dnOf('José Núñez-Ortiz'), 'sAMAccountName', ['jose.nunez']);
      await replaceAttribute(client, dnOf('José Núñez-Ortiz'), 'sn', ['Núñez-Ortiz']);
    });
    const before = userCount(app);
    const renamed = await readDirectory(app, browser, choices);
    t.match(renamed.page.body, /<dt>To create<\/dt><dd>0<\/dd>/);
    t.match(renamed.page.body, /<dt>To update<\/dt><dd>1<\/dd>/);
    t.match(renamed.page.body, /Username, Last Name/);
    await importConfirmed(app, browser, renamed.location);
    t.equal(userCount(app), before, 'no user is added for the renamed entry');
    t.equal(user(app, 'jose'), undefined);
    const moved = user(app, 'jose.nunez')!;
    t.equal(moved.id, jose.id, 'the same Roster user, found by the entry’s id');
    t.equal(moved.last_name, 'Núñez-Ortiz');
    t.equal(moved.supervisor_id, zoe.id);

    // Björn is left out by the filter now: Zoë's manager is still found, as the user linked to his entry.
    configure(app, ldap.url, { userFilter: '(&(objectCategory=person)(objectClass=user)(!(sAMAccountName=bjorn)))' });
    const narrower = await readDirectory(app, browser, choices);
    t.match(narrower.page.body, /No changes:/, 'a manager outside the search resolves through the link');
  },
);

t.test(
  'a user already in Roster is linked to their entry by username, or refused when another entry holds them',
  async (t) => {
    const ldap = await startLdapServer(t, WELL_FORMED);
    const { app, browser, employee } = await signedIn(t);
    configure(app, ldap.url);
    referenceId(app.db, 'groups', 'Sales');
    referenceId(app.db, 'companies', 'Example Nordic');
    const bjorn = addUser(app.db, { username: 'bjorn', firstName: 'Bjorn', lastName: 'Thorsson' });
    addUser(app.db, { username: 'zoe', firstName: 'Zoe', lastName: 'A', directoryId: 'some-other-entry' });
    const choices = { mode: 'both', matchOn: 'username', defaultUserType: String(employee) };
    const { page } = await readDirectory(app, browser, choices);
    t.match(page.body, /The user “zoe” in Roster comes from another directory entry \(some-other-entry\)/);
    t.notMatch(page.body, /type="submit">Create/, 'nothing can be imported while a row has a problem');

    app.db.$client.prepare("update users set directory_id = null where username = 'zoe'").run();
    const fixed = await readDirectory(app, browser, choices);
    t.match(fixed.page.body, /<dt>To update<\/dt><dd>2<\/dd>/);
    t.match(fixed.page.body, /Directory entry/, 'linking to the entry is shown as a change');
    await importConfirmed(app, browser, fixed.location);
    t.equal(user(app, 'bjorn')!.id, bjorn.id);
    t.equal(user(app, 'bjorn')!.directory_id, guid('Björn Þórsson'));
    t.equal(user(app, 'bjorn')!.first_name, 'Björn');
  },
);

t.test('bad entries and a directory that cannot be read each say why, and nothing is written', async (t) => {
  const ldap = await startLdapServer(t);
  const { app, browser, employee } = await signedIn(t);
  const choices = { mode: 'both', matchOn: 'username', defaultUserType: String(employee), createMissing: 'on' };
  const users = userCount(app);

  configure(app, ldap.url);
  const { page } = await readDirectory(app, browser, choices);
  t.match(page.body, /The entry has no sAMAccountName \(username\)/);
  t.match(page.body, /cn=Nameless Entry,ou=People/, 'the entry is named by its DN');
  t.match(page.body, /The manager &quot;cn=Departed Manager,ou=Former,dc=example,dc=org&quot; resolves to no one/);
  t.match(page.body, /so nothing can be imported yet/);
  t.notMatch(page.body, /name="usernames"/, 'no confirmation is offered');

  const refused = async (message: RegExp, what: string) => {
    const read = await readDirectory(app, browser, choices);
    const shown = await browser.get(read.location);
    t.equal(shown.statusCode, 302, what);
    t.equal(shown.headers.location, '/users/import/directory');
    t.match((await browser.get('/users/import/directory')).body, message, what);
  };
  configure(app, 'ldap://127.0.0.1:1');
  await refused(/Roster could not reach the directory server at 127\.0\.0\.1:1/, 'an unreachable server');
  configure(app, ldap.url, { password: 'not the password' });
  await refused(/The directory refused the bind DN and password/, 'wrong credentials');
  configure(app, ldap.url, { baseDn: `ou=Nowhere,${BASE_DN}` });
  await refused(/The base DN .*ou=Nowhere,dc=example,dc=org.* does not exist/, 'a base DN that does not exist');
  t.equal(userCount(app), users, 'no user was written');
});

t.test('without directory settings the page says to set them up first', async (t) => {
  const { browser } = await signedIn(t);
  const page = await browser.get('/users/import/directory');
  t.match(page.body, /No directory is set up yet/);
  const posted = await browser.post('/users/import/directory', { mode: 'both' });
  t.equal(posted.statusCode, 303);
  t.equal(posted.headers.location, '/settings/directory');
});
