import t from 'tap';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/connection.js';
import { DEFAULT_ATTRIBUTE_MAP } from '../../src/directory/attribute-map.js';
import { DEFAULT_USER_FILTER, saveDirectorySettings } from '../../src/directory/directory-settings.js';
import { guidText } from '../../src/directory/ldap-client.js';
import { claimDueSync, claimSyncNow, releaseSync, SYNC_LEASE_MS } from '../../src/directory/sync-claim.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import {
  BASE_DN,
  BIND_DN,
  BIND_PASSWORD,
  changeDirectory,
  dnOf,
  guidBytesOf,
  SAMPLE,
  startLdapServer,
} from '../helpers/ldap.js';
import { Attribute } from 'ldapts';
import { keepImportChoices } from '../../src/directory/import-choices.js';
import { referenceId } from '../helpers/directory.js';

type App = Awaited<ReturnType<typeof buildTestApp>>;

const guid = (cn: string) => guidText(guidBytesOf(cn));

function configure(
  app: App,
  url: string,
  by: { id: number; name: string },
  sync: { maxPercent: number; deactivate?: boolean },
) {
  saveDirectorySettings(
    app.db,
    app.directory.sealer,
    {
      url,
      startTls: false,
      caCertificate: '',
      bindDn: BIND_DN,
      password: { set: BIND_PASSWORD },
      baseDn: BASE_DN,
      userFilter: DEFAULT_USER_FILTER,
      attributeMap: DEFAULT_ATTRIBUTE_MAP,
      syncEnabled: true,
      syncIntervalMinutes: 60,
      syncDeactivateMissing: sync.deactivate ?? true,
      syncMaxChangePercent: sync.maxPercent,
    },
    by,
  );
}

const user = (app: App, username: string) =>
  app.db.$client.prepare('select * from users where username = ?').get(username) as Record<string, unknown>;

/** Users Roster already holds from the directory, some of them out of step with it. */
function linkedUsers(app: App) {
  const bjorn = addUser(app.db, {
    username: 'bjorn',
    firstName: 'Bjorn',
    lastName: 'Thorsson',
    fullName: 'Björn Þórsson',
    email: 'bjorn@example.org',
    phone: '+354 555 0100',
    directoryId: guid('Björn Þórsson'),
  });
  const zoe = addUser(app.db, {
    username: 'zoe',
    firstName: 'Zoë',
    lastName: 'Ångström',
    fullName: 'Zoë Ångström',
    email: 'zoe@example.org',
    directoryId: guid('Zoë Ångström'),
  });
  const jose = addUser(app.db, {
    username: 'jose',
    firstName: 'José',
    lastName: 'Núñez',
    email: 'jose@example.org',
    directoryId: guid('José Núñez'),
  });
  const left = addUser(app.db, {
    username: 'left',
    firstName: 'Long',
    lastName: 'Gone',
    directoryId: 'no-longer-in-the-directory',
  });
  const local = addUser(app.db, { username: 'local', firstName: 'Only', lastName: 'Roster' });
  return { bjorn, zoe, jose, left, local };
}

t.test(
  'of two claimers of a due run exactly one wins, and a run that dies is claimed again after its lease',
  async (t) => {
    const app = await buildTestApp(t);
    const admin = await addSuperuser(app);
    configure(app, 'ldap://127.0.0.1:1', { id: admin.id, name: 'admin' }, { maxPercent: 10 });
    const due = new Date(Date.now() + 61 * 60_000);
    // A second worker process: its own connection to the same file.
    const other = openDatabase(app.config.databaseFile);
    t.teardown(() => other.$client.close());

    t.notOk(claimDueSync(app.db, 'early', new Date()), 'not due before its interval');
    const wins = [claimDueSync(app.db, 'first', due), claimDueSync(other, 'second', due)];
    t.same(wins, [true, false], 'exactly one claim wins');
    t.notOk(claimSyncNow(other, 'now', due), 'a run asked for now waits for the one under way');

    // The winner's process stops without releasing: once its lease runs out, the run is due still.
    const later = new Date(due.getTime() + SYNC_LEASE_MS + 1);
    t.same([claimDueSync(other, 'after', later), claimDueSync(app.db, 'again', later)], [true, false]);
    releaseSync(other, 'after', later);
    const next = app.db.get<{ next: number; claim: string | null }>(
      sql`select sync_next_at as next, sync_claim_id as claim from directory_settings`,
    )!;
    t.equal(next.next, later.getTime() + 60 * 60_000, 'the next run is one interval on');
    t.equal(next.claim, null);
    t.notOk(claimDueSync(app.db, 'too-soon', later));
  },
);

t.test('a run applies the directory to the users linked to it, deactivates who left, and is audited', async (t) => {
  const ldap = await startLdapServer(t);
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const people = linkedUsers(app);
  configure(app, ldap.url, { id: admin.id, name: 'admin' }, { maxPercent: 100 });
  app.db.$client
    .prepare("insert into sessions (sid, user_id, data, expires_at) values ('zoe-session', ?, '{}', ?)")
    .run(people.zoe.id, Date.now() + 3_600_000);

  const outcome = await app.directory.sync.runNow({})!;
  t.equal(outcome.result, 'applied');
  t.match(outcome, { updated: 3, deactivated: 1, notInRoster: 0, problems: 2 }, 'nameless and ghost have problems');

  t.equal(user(app, 'bjorn').first_name, 'Björn', 'a name corrected in the directory');
  t.equal(user(app, 'bjorn').last_name, 'Þórsson');
  t.match(user(app, 'bjorn').name_sort, /þorsson|thorsson|þórsson/i, 'sort keys refreshed');
  t.equal(user(app, 'zoe').status, 'inactive', 'disabled in the directory');
  t.equal(user(app, 'zoe').supervisor_id, people.bjorn.id, 'the manager DN resolved to the Roster user');
  t.equal(user(app, 'jose').supervisor_id, people.zoe.id);
  t.equal(user(app, 'left').status, 'inactive', 'deactivated, not deleted');
  t.equal(user(app, 'left').deleted_at, null);
  t.equal(user(app, 'local').status, 'active', 'a user not from the directory is left alone');
  t.equal(
    app.db.get<{ n: number }>(sql`select count(*) as n from sessions where user_id = ${people.zoe.id}`)!.n,
    0,
    'the disabled user is signed out',
  );

  const entries = app.db.$client
    .prepare(
      "select action, actor_name, target_name, changes, detail from audit_entries where action in ('user.update', 'user.status', 'directory.sync') order by id",
    )
    .all() as Record<string, string>[];
  const run = entries.find((e) => e.action === 'directory.sync')!;
  t.match(
    run.detail,
    /Applied: 0 users created, 3 users updated, 1 user deactivated, 0 unchanged, 0 entries not in Roster yet, 2 problems/,
  );
  t.equal(run.actor_name, 'Directory sync');
  t.ok(entries.some((e) => e.action === 'user.status' && e.target_name === 'Long Gone'));
  t.ok(entries.some((e) => e.action === 'user.update' && /"firstName":\["Bjorn","Björn"\]/.test(e.changes ?? '')));

  const again = await app.directory.sync.runNow({})!;
  t.match(
    again,
    { result: 'applied', updated: 0, deactivated: 0, unchanged: 3 },
    'a second run finds nothing to change',
  );

  const browser = new Client(app);
  await browser.signIn();
  const page = await browser.get('/settings/directory');
  t.match(page.body, /Last run/);
  t.match(page.body, /0 users updated/);
});

t.test(
  'a run that would change more than the allowed share stops, writes nothing, and applies once confirmed',
  async (t) => {
    const ldap = await startLdapServer(t);
    const app = await buildTestApp(t);
    const admin = await addSuperuser(app);
    linkedUsers(app);
    configure(app, ldap.url, { id: admin.id, name: 'admin' }, { maxPercent: 25 });
    const before = JSON.stringify(app.db.$client.prepare('select * from users order by id').all());

    const outcome = await app.directory.sync.runNow({})!;
    t.equal(outcome.result, 'stopped');
    t.equal(JSON.stringify(app.db.$client.prepare('select * from users order by id').all()), before, 'no user changed');
    const run = app.db.$client.prepare("select detail from audit_entries where action = 'directory.sync'").get() as {
      detail: string;
    };
    t.match(
      run.detail,
      /Stopped before changing anything: it would change 100\.0 % of the users from the directory, more than the 25 % allowed/,
    );

    const browser = new Client(app);
    await browser.signIn();
    const page = await browser.get('/settings/directory');
    t.match(page.body, /The last run stopped to ask you/);
    t.match(page.body, /Apply these changes/);
    const confirmed = await browser.post('/settings/directory/sync', { confirm: '1' });
    t.equal(confirmed.statusCode, 303);
    await app.directory.sync.idle();
    t.equal(user(app, 'zoe').status, 'inactive', 'applied once confirmed');
    const last = app.db.$client
      .prepare("select actor_name, detail from audit_entries where action = 'directory.sync' order by id desc")
      .get() as Record<string, string>;
    t.match(last.detail, /^Applied/);
    t.equal(last.actor_name, 'Ada Admin', 'the confirming administrator is named');
  },
);

t.test('a run that cannot reach the directory changes nothing and says why', async (t) => {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  linkedUsers(app);
  configure(app, 'ldap://127.0.0.1:1', { id: admin.id, name: 'admin' }, { maxPercent: 100 });
  // The scheduled run, when due, in whichever process claims it first; the next is an interval on.
  const due = new Date(Date.now() + 61 * 60_000);
  t.equal(await app.directory.sync.runIfDue(new Date()), undefined, 'not due yet');
  const outcome = (await app.directory.sync.runIfDue(due))!;
  t.equal(outcome.result, 'failed');
  const next = app.db.get<{ next: number }>(sql`select sync_next_at as next from directory_settings`)!.next;
  t.ok(next >= Date.now() + 59 * 60_000, 'the next run is scheduled an interval after this one ended');
  t.match(outcome.error ?? '', /Roster could not reach the directory server at 127.0.0.1:1/);
  t.equal(user(app, 'left').status, 'active');
  const run = app.db.$client.prepare("select detail from audit_entries where action = 'directory.sync'").get() as {
    detail: string;
  };
  t.match(run.detail, /^Nothing was changed: Roster could not reach/);
});

t.test(
  'a run creates the users of new entries as the last directory import chose, and deactivates one whose entry is removed',
  async (t) => {
    const ldap = await startLdapServer(
      t,
      SAMPLE.filter((p) => !['Nameless Entry', 'Ghost Report'].includes(p.cn)),
    );
    const app = await buildTestApp(t);
    const admin = await addSuperuser(app);
    const people = linkedUsers(app);
    // José is in the directory but not linked yet: Roster holds a "jose" the import would update.
    app.db.$client.prepare("update users set directory_id = null where username = 'jose'").run();
    const employee = referenceId(app.db, 'user_types', 'Employee');
    configure(app, ldap.url, { id: admin.id, name: 'admin' }, { maxPercent: 100 });

    const before = await app.directory.sync.runNow({})!;
    t.equal(before.created, 0, 'no user is created before an import from the directory chose how');
    t.equal(before.deactivated, 1, 'the user whose entry is gone is deactivated');
    t.equal(user(app, 'left').status, 'inactive');
    t.match(before.examples, [{ errors: [/Import from the directory once/] }]);

    keepImportChoices(
      app.db,
      { mapping: [], mode: 'both', matchOn: 'username', defaultUserTypeId: employee, createMissing: true },
      admin.id,
    );
    const newcomer = (cn: string, username: string) => [
      new Attribute({ type: 'objectClass', values: ['user'] }),
      new Attribute({ type: 'cn', values: [cn] }),
      new Attribute({ type: 'sn', values: ['Neu'] }),
      new Attribute({ type: 'givenName', values: [cn.split(' ')[0]!] }),
      new Attribute({ type: 'sAMAccountName', values: [username] }),
      new Attribute({ type: 'objectCategory', values: ['person'] }),
      new Attribute({ type: 'objectGUID', values: [guidBytesOf(cn)] }),
      new Attribute({ type: 'manager', values: [dnOf('Björn Þórsson')] }),
      new Attribute({ type: 'userAccountControl', values: ['512'] }),
    ];
    await changeDirectory(ldap.url, async (client) => {
      await client.add(dnOf('Nina Neu'), newcomer('Nina Neu', 'nina'));
      await client.add(dnOf('Nils Neu'), newcomer('Nils Neu', 'nils'));
    });
    // Roster's "nils" came from another entry (gone since): the new entry must not take him over.
    const nils = addUser(app.db, { username: 'nils', firstName: 'Nils', lastName: 'Alt', directoryId: 'elsewhere' });
    const outcome = await app.directory.sync.runNow({})!;
    t.match(outcome, { result: 'applied', created: 1, deactivated: 1, problems: 1, notInRoster: 1 });
    t.match(outcome.examples, [
      { line: dnOf('Nils Neu'), errors: [/The user “nils” in Roster comes from another directory entry/] },
    ]);
    t.equal(user(app, 'nils').id, nils.id);
    t.equal(user(app, 'nils').directory_id, 'elsewhere', 'the entry that failed the check is left out');
    const nina = user(app, 'nina');
    t.equal(nina.directory_id, guid('Nina Neu'), 'the new user is linked to their entry');
    t.equal(nina.user_type_id, employee, 'with the user type the import chose');
    t.equal(nina.supervisor_id, people.bjorn.id, "the manager's DN resolves to a user linked before");
    t.equal(user(app, 'jose').id, people.jose.id, 'the Roster user with the same username is linked, not duplicated');
    t.equal(user(app, 'jose').directory_id, guid('José Núñez'));
    const run = app.db.$client
      .prepare("select detail from audit_entries where action = 'directory.sync' order by id desc")
      .get() as { detail: string };
    t.match(run.detail, /^Applied: 1 user created, /);
    const created = app.db.$client
      .prepare("select detail from audit_entries where action = 'user.create' and target_user_id = ?")
      .get(nina.id) as { detail: string };
    t.match(created.detail, /Imported from the directory/);

    await changeDirectory(ldap.url, (client) => client.del(dnOf('Nina Neu')));
    const removed = await app.directory.sync.runNow({})!;
    t.match(removed, { result: 'applied', created: 0, deactivated: 1 });
    t.equal(user(app, 'nina').status, 'inactive', 'the user whose entry left is deactivated');
    t.equal(user(app, 'nina').deleted_at, null, 'and never deleted');
  },
);
