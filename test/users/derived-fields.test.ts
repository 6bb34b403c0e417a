import { eq, sql } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { users } from '../../src/db/schema.js';
import {
  deriveFields,
  type DerivationSource,
  displayName,
  PARTS_OF_FIELD,
  refreshDerivedFields,
} from '../../src/users/derived-fields.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId } from '../helpers/directory.js';
import { sorted, usernamesIn } from '../helpers/list-page.js';

const app = await buildTestApp(t);
await addSuperuser(app);
const db = app.db;
const sqlite = db.$client;
const browser = new Client(app);
await browser.signIn();

const stored = (id: number) => db.select().from(users).where(eq(users.id, id)).get()!;
const totalChanges = () => sqlite.prepare('select total_changes()').pluck().get() as number;

async function shown(params: Record<string, string>): Promise<string[]> {
  return usernamesIn((await browser.get(`/users?${new URLSearchParams(params)}`)).body);
}

const anna = addUser(db, { username: 'anna', firstName: 'Anna', lastName: 'Berg', territory: 'Alpha' });
const bert = addUser(db, { username: 'bert', firstName: 'Bert', lastName: 'Dahl', territory: 'Bravo' });
const cara = addUser(db, {
  username: 'cara',
  firstName: 'Cara',
  lastName: 'Ek',
  territory: 'Charlie',
  groups: ['Sales'],
  supervisorId: anna.id,
});

t.test('moving a user to another territory: refreshing territorySort re-sorts and re-searches', async (t) => {
  t.same(await shown({ sort: 'territory' }), ['admin', 'anna', 'bert', 'cara']);
  const delta = referenceId(db, 'territories', 'Delta');
  db.transaction((tx) => {
    tx.run(sql`update users set territory_id = ${delta} where id = ${anna.id}`);
    refreshDerivedFields(tx, [anna.id], PARTS_OF_FIELD.territory);
  });
  t.equal(stored(anna.id).territorySort, 'delta');
  t.same(await shown({ sort: 'territory' }), ['admin', 'bert', 'cara', 'anna'], 'Delta sorts after Charlie');
  t.same(await shown({ q: 'alpha' }), [], 'the old territory finds no one');
  t.same(await shown({ q: 'delta' }), ['anna'], 'the new one finds her');
});

t.test('joining a group: refreshing groupsSort re-sorts and the group name finds the user', async (t) => {
  const research = referenceId(db, 'groups', 'Research');
  db.transaction((tx) => {
    tx.run(sql`insert into user_groups (user_id, ref_id) values (${bert.id}, ${research})`);
    refreshDerivedFields(tx, [bert.id], PARTS_OF_FIELD.groups);
  });
  t.equal(stored(bert.id).groupsSort, 'research');
  t.same(await shown({ sort: 'groups' }), ['admin', 'anna', 'bert', 'cara'], 'no groups, Research, Sales');
  t.same(await shown({ q: 'resea*' }), ['bert']);
});

t.test('only the parts asked for are recomputed', async (t) => {
  sqlite.prepare("update users set groups_sort = 'stale', name_sort = 'stale' where id = ?").run(cara.id);
  refreshDerivedFields(db, [cara.id], ['territorySort']);
  t.match(stored(cara.id), { groupsSort: 'stale', nameSort: 'stale' }, 'other derived columns are left alone');
  refreshDerivedFields(db, [cara.id], ['groupsSort']);
  t.match(stored(cara.id), { groupsSort: 'sales', nameSort: 'stale' });
  refreshDerivedFields(db, [cara.id]);
  t.match(stored(cara.id), { groupsSort: 'sales', nameSort: 'ek cara' }, 'all of them by default');
});

t.test('only rows and columns whose value changed are written', async (t) => {
  const everyone = db
    .select({ id: users.id })
    .from(users)
    .all()
    .map((r) => r.id);
  const before = totalChanges();
  refreshDerivedFields(db, everyone);
  t.equal(totalChanges() - before, 0, 'nothing is stale: no row is written');

  // Which columns each update names, seen from triggers on this connection only.
  sqlite.exec(`
    create temp table written (id integer, what text);
    create temp trigger written_row after update on main.users begin
      insert into written values (new.id, 'row');
    end;
    create temp trigger written_search_doc after update of search_doc on main.users begin
      insert into written values (new.id, 'search_doc');
    end;`);
  t.teardown(() => sqlite.exec('drop trigger written_row; drop trigger written_search_doc; drop table written;'));
  const written = () => sqlite.prepare('select id, what from written order by what').all();

  sqlite.prepare('update users set territory_id = ? where id = ?').run(referenceId(db, 'territories', 'Echo'), bert.id);
  sqlite.exec('delete from written');
  refreshDerivedFields(db, everyone);
  t.same(written(), [{ id: bert.id, what: 'row' }], 'one row: its territory sort, not its search document');
  t.equal(stored(bert.id).territorySort, 'echo');

  sqlite.prepare("update users set last_name = 'Dahlberg' where id = ?").run(bert.id);
  sqlite.exec('delete from written');
  refreshDerivedFields(db, everyone, ['territorySort', 'searchDoc']);
  t.same(
    written(),
    [
      { id: bert.id, what: 'row' },
      { id: bert.id, what: 'search_doc' },
    ],
    'the search document, once it changed',
  );
  t.match(stored(bert.id), { searchDoc: '|bert|bert|dahlberg|', nameSort: 'dahl bert' }, 'the name sort waits');
});

t.test('a new supervisor: PARTS_OF_FIELD.supervisor refreshes the sort key and the document', async (t) => {
  db.transaction((tx) => {
    tx.run(sql`update users set supervisor_id = ${bert.id} where id = ${cara.id}`);
    refreshDerivedFields(tx, [cara.id], PARTS_OF_FIELD.supervisor);
  });
  t.match(stored(cara.id), { supervisorSort: 'bert dahlberg', searchDoc: '|cara|cara|ek|bert dahlberg|' });
  t.same(await shown({ q: 'dahlberg' }), sorted(['bert', 'cara']));
  t.same(await shown({ q: 'supervisor:bert' }), ['cara']);
});

// ---------------------------------------------------------------------------------------------
// Migration 0007 rebuilds every document in SQL: it must give what deriveFields gives.

const MIGRATION = readFileSync(new URL('../../migrations/0007_search_doc_own_fields.sql', import.meta.url), 'utf8');
const statements = MIGRATION.split('--> statement-breakpoint').map((s) => s.trim());

t.test('the migration’s SQL document equals deriveFields, value for value', async (t) => {
  const people: (Parameters<typeof addUser>[1] & { supervisor?: string })[] = [
    { username: 'Åsa.Öström', firstName: 'Åsa', lastName: 'Öström', email: 'ÅSA@Example.COM', phone: '+46 70 1' },
    { username: 'blank', signature: '   ', notes: '' },
    { username: 'nameless-boss' },
    { username: 'spaced', firstName: '  Zoë ', lastName: '', fullName: '   ', supervisor: 'nameless-boss' },
    {
      username: 'full',
      firstName: 'Ignored',
      lastName: 'Too',
      fullName: 'Renée  Ødegård',
      signature: 'RØ',
      extension: '42',
      notes: 'Pipes | in\tnotes\nand ÉÈ',
      groups: ['Sales'],
      teams: ['Blue Whales'],
      territory: 'Österreich',
      companies: ['Acme'],
      supervisor: 'Åsa.Öström',
    },
    { username: 'reports-to-zoe', firstName: 'Ola', lastName: 'Nordmann', supervisor: 'spaced' },
  ];
  const added = new Map<string, ReturnType<typeof addUser>>();
  for (const { supervisor, ...fields } of people) {
    const user = addUser(db, { ...fields, supervisorId: supervisor ? added.get(supervisor)!.id : undefined });
    added.set(user.username, user);
  }
  const expected = new Map(
    people.map(({ supervisor, groups = [], teams = [], companies = [], territory, ...f }) => {
      const source: DerivationSource = {
        username: f.username,
        firstName: f.firstName ?? '',
        lastName: f.lastName ?? '',
        fullName: f.fullName ?? '',
        signature: f.signature ?? '',
        email: f.email ?? '',
        phone: f.phone ?? '',
        extension: f.extension ?? '',
        notes: f.notes ?? '',
        territory: territory ?? null,
        role: null,
        userType: null,
        supervisor: supervisor ? displayName(added.get(supervisor)!) : null,
        groups,
        teams,
        companies,
        addons: [],
        databases: [],
      };
      return [f.username, deriveFields(source).searchDoc];
    }),
  );
  t.equal(expected.get('blank'), '|blank|', 'empty values are left out');
  t.equal(expected.get('reports-to-zoe'), '|reports-to-zoe|ola|nordmann|zoe|', 'a trimmed name');

  // Documents as an older version wrote them, with more values inside.
  sqlite.exec("update users set search_doc = search_doc || 'sales|legacy|'");
  for (const statement of statements) sqlite.exec(statement);

  for (const [username, doc] of expected) {
    t.equal(stored(added.get(username)!.id).searchDoc, doc, username);
  }
  const refreshedBefore = totalChanges();
  refreshDerivedFields(
    db,
    [...added.values()].map((u) => u.id),
    ['searchDoc'],
  );
  t.equal(totalChanges() - refreshedBefore, 0, 'refreshing in JavaScript finds nothing to change');
});

t.test('after the migration the trigram index and its update trigger work as before', async (t) => {
  const trigger = sqlite.prepare("select sql from sqlite_master where name = 'users_fts_update'").pluck().get();
  const original = readFileSync(new URL('../../migrations/0002_users_fts.sql', import.meta.url), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .find((s) => s.includes('users_fts_update'))!
    .replace(/;$/, '');
  t.equal(trigger, original, 'the trigger is created again as it was');

  t.same(await shown({ q: 'renee' }), ['full'], 'a rebuilt document is found through the index');
  t.same(await shown({ q: 'legacy' }), [], 'the old values are gone from it');
  sqlite.prepare("update users set notes = 'Keyholder' where username = 'blank'").run();
  refreshDerivedFields(db, [idOf('blank')]);
  t.same(await shown({ q: 'keyhold' }), ['blank'], 'a later change reaches the index through the trigger');
});

function idOf(username: string): number {
  return sqlite.prepare('select id from users where username = ?').pluck().get(username) as number;
}
