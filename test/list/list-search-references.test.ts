import { and, sql } from 'drizzle-orm';
import t from 'tap';
import { allRows } from '../../src/db/statements.js';
import { listConditions, planList, referenceMatches } from '../../src/list/list-repository.js';
import { parseListQuery } from '../../src/list/list-query.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { sorted, usernamesIn } from '../helpers/list-page.js';

// Names of groups, teams, territories and companies are not in the search document; search
// matches them from their own tables. These users are found through them, as before.
const app = await buildTestApp(t);
const admin = await addSuperuser(app);
const db = app.db;
const boss = addUser(db, { username: 'boss', firstName: 'Bo', lastName: 'Ssman' });
const sam = addUser(db, {
  username: 'sam',
  firstName: 'Sam',
  lastName: 'Ek',
  groups: ['Sales'],
  teams: ['Blue Whales'],
  territory: 'Österreich',
  companies: ['Initech'],
  supervisorId: boss.id,
});
addUser(db, { username: 'sally', firstName: 'Sally', lastName: 'Lund', territory: 'North' });
addUser(db, {
  username: 'rita',
  firstName: 'Rita',
  lastName: 'Moe',
  groups: ['Research', 'XQ Labs'],
  territory: 'North',
  companies: ['Acme'],
});
addUser(db, {
  username: 'tom',
  firstName: 'Tom',
  lastName: 'Berg',
  groups: ['Sales'],
  companies: ['Acme', 'Initech'],
});
addUser(db, {
  username: 'gone',
  firstName: 'Gone',
  lastName: 'Away',
  groups: ['Sales'],
  territory: 'Österreich',
  deletedAt: new Date(),
});
const browser = new Client(app);
await browser.signIn();

async function shown(q: string): Promise<string[]> {
  const res = await browser.get(`/users?${new URLSearchParams({ q })}`);
  return sorted(usernamesIn(res.body));
}

t.test('the search document holds the user’s own text and their supervisor, not reference names', async (t) => {
  t.equal(sam.searchDoc, '|sam|sam|ek|bo ssman|');
});

t.test('search finds users by the name of their group, team, territory or company', async (t) => {
  const cases: [string, string[], string][] = [
    ['sales', ['sam', 'tom'], 'group'],
    ['research', ['rita'], 'group'],
    ['whales', ['sam'], 'team, a word inside the name'],
    ['"blue whales"', ['sam'], 'team, the whole name'],
    ['north', ['rita', 'sally'], 'territory'],
    ['Österreich', ['sam'], 'territory, typed with its diacritics'],
    ['OSTERREICH', ['sam'], 'territory, without them and in capitals'],
    ['initech', ['sam', 'tom'], 'company'],
    ['acme', ['rita', 'tom'], 'company'],
    ['xq', ['rita'], 'a two-letter term, too short for the trigram index'],
    ['sales acme', ['tom'], 'two reference names, both required'],
    ['sales sam', ['sam'], 'a reference name and the user’s own name'],
    ['ssman north', [], 'every term must match, through the document or a name'],
    ['ssman sales', ['sam'], 'the supervisor’s name and a group'],
  ];
  for (const [q, expected, what] of cases) t.same(await shown(q), sorted(expected), `${what}: ${q}`);
});

t.test('wildcards apply to reference names as to any other value', async (t) => {
  t.same(await shown('sal*'), ['sally', 'sam', 'tom'], 'sal*: members of Sales, and Sally');
  t.same(await shown('*ales'), ['sam', 'tom'], '*ales: a name ending with "ales"');
  t.same(await shown('ales*'), [], 'ales*: no value starts with "ales"');
  t.same(await shown('ost*'), ['sam'], 'ost*: Österreich, folded');
  t.same(await shown('*tech'), ['sam', 'tom'], '*tech: Initech');
  t.same(await shown('i*h'), ['sam', 'tom'], 'i*h: a name that starts with i and ends with h');
  t.same(await shown('blue*'), ['sam'], 'blue*: the start of a team name');
  t.same(await shown('*whales'), ['sam'], '*whales: its end');
  t.same(await shown('wha*'), [], 'wha*: a word inside a name is not the start of a value');
});

t.test('a user in the trash is not found through their references', async (t) => {
  t.notOk((await shown('osterreich')).includes('gone'));
  t.notOk((await shown('sales')).includes('gone'));
});

t.test('referenceMatches: the references whose name matches a pattern', async (t) => {
  const id = (table: string, name: string) =>
    db.get<{ id: number }>(sql`select id from ${sql.identifier(table)} where name = ${name}`)!.id;
  t.same(referenceMatches(db, '*sal*'), { territories: [], groups: [id('groups', 'Sales')], teams: [], companies: [] });
  t.same(referenceMatches(db, '*|oster*'), {
    territories: [id('territories', 'Österreich')],
    groups: [],
    teams: [],
    companies: [],
  });
  t.same(referenceMatches(db, '*zzz*'), { territories: [], groups: [], teams: [], companies: [] });
});

t.test('without looked-up references, the list conditions find the same users in SQL', async (t) => {
  // A bulk action selects "every user matching" with listConditions alone: the same set.
  for (const q of ['sales', 'sal*', 'north sally', 'xq', 'initech tom', 'ssman', '*tech', 'nobody', 'supervisor:bo']) {
    const query = parseListQuery({ q });
    const selected = allRows<{ id: number }>(
      db,
      sql`select u.id from users u where ${and(...listConditions(admin, query, 'UTC'))} order by u.id`,
    ).map((r) => r.id);
    t.same(
      selected,
      [...(planList(db, admin, query).matches ?? [])].sort((a, b) => a - b),
      q,
    );
  }
});
