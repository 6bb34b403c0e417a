import t from 'tap';
import { sql } from 'drizzle-orm';
import { addUser, referenceId, signedInHelper, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { auditCount, finishedJob } from '../helpers/bulk.js';
import { refreshDerivedFields } from '../../src/users/derived-fields.js';
import { databaseId, databasesOf, databasesSortOf, giveAccess } from './fixture.js';

const HTMX = { 'hx-request': 'true', 'hx-request-type': 'partial' };

/** Ann (Sales) and Bo in the directory, two databases, Ann with access to Finance. */
async function databaseTeam(t: Parameters<typeof signedInWithAnnAndBoss>[0]) {
  const ctx = await signedInWithAnnAndBoss(t);
  const finance = databaseId(ctx.db, 'Finance');
  const salesDb = databaseId(ctx.db, 'Sales DB');
  giveAccess(ctx.db, ctx.ann.id, finance);
  refreshDerivedFields(ctx.db, [ctx.ann.id]);
  // The list page gives the token its forms carry, as a person starts from it.
  await ctx.browser.get('/users?view=databases');
  return { ...ctx, finance, salesDb };
}

const cellButtons = (html: string) =>
  [...html.matchAll(/aria-label="((?:Give|Take away) [^"]+)"/g)].map((m) => m[1]!.replace(/&#39;|&#x27;/g, '’'));

t.test('the database view shows a column per database and a tick where the user has access', async (t) => {
  const { browser } = await databaseTeam(t);
  const page = await browser.get('/users?view=databases&q=öberg');
  t.equal(page.statusCode, 200);
  t.match(page.body, /aria-current="page">Databases</, 'the switch shows the view');
  t.match(page.body, /<th scope="col" class="col-database">Finance<\/th>/);
  t.match(page.body, /<th scope="col" class="col-database">Sales DB<\/th>/);
  t.same(cellButtons(page.body), ['Take away Ann Öberg’s access to Finance', 'Give Ann Öberg access to Sales DB']);
  t.notMatch(page.body, /Bo Ssman/, 'the search applies');

  const sorted = await browser.get('/users?view=databases&sort=-databases');
  const names = [...sorted.body.matchAll(/class="col-name"><a href="\/users\/\d+">([^<]+)</g)].map((m) => m[1]);
  t.equal(names[0], 'Ann Öberg', 'sorting by databases puts the user with one first, descending');
});

t.test('with no databases on the list the view says where to add them', async (t) => {
  const { browser } = await signedInWithAnnAndBoss(t);
  const page = await browser.get('/users?view=databases');
  t.match(page.body, /No databases on the list/);
  t.match(page.body, /href="\/lists\/databases"/);
});

t.test('a cell gives or takes away access in place, audited, with the sort key kept right', async (t) => {
  const { app, db, browser, ann, salesDb, finance } = await databaseTeam(t);
  const given = await browser.post(
    `/users/${ann.id}/databases/${salesDb}`,
    [
      ['access', 'give'],
      ['back', '/users?view=databases'],
    ],
    HTMX,
  );
  t.equal(given.statusCode, 200);
  t.match(given.body, /Ann Öberg may now open Sales DB\./);
  t.match(
    given.body,
    /aria-label="Take away Ann Öberg(’|&#39;)s access to Sales DB"/,
    'the cell now offers the opposite',
  );
  t.same(databasesOf(db, ann.id), ['Finance', 'Sales DB']);
  t.equal(databasesSortOf(db, ann.id), 'finance, sales db');
  const entry = db.get<{ detail: string; changes: string; target_name: string }>(
    sql`select detail, changes, target_name from audit_entries where action = 'user.database'`,
  )!;
  t.equal(entry.detail, 'Gave access to Sales DB');
  t.equal(entry.target_name, 'Ann Öberg');
  t.same(JSON.parse(entry.changes), { databases: [['Finance'], ['Finance', 'Sales DB']] });

  // Without JavaScript: the form posts, and the list it came from comes back with a message.
  const taken = await browser.post(`/users/${ann.id}/databases/${finance}`, [
    ['access', 'take'],
    ['back', '/users?view=databases&q=ann'],
  ]);
  t.equal(taken.statusCode, 303);
  t.equal(taken.headers.location, '/users?view=databases&q=ann');
  const list = await browser.get('/users?view=databases&q=ann');
  t.match(list.body, /Ann Öberg may no longer open Finance\./);
  t.same(databasesOf(db, ann.id), ['Sales DB']);
  t.equal(databasesSortOf(db, ann.id), 'sales db');

  // Asking again for what is already so writes nothing.
  const again = await browser.post(`/users/${ann.id}/databases/${finance}`, [['access', 'take']], HTMX);
  t.match(again.body, /already had no access to Finance/);
  t.equal(auditCount(app, 'user.database'), 2);

  // A "back" elsewhere is not followed.
  const away = await browser.post(`/users/${ann.id}/databases/${finance}`, [
    ['access', 'give'],
    ['back', 'https://evil.example/'],
  ]);
  t.equal(away.headers.location, '/users?view=databases');
});

t.test('out of scope the cell does not exist, and without edit permission it is refused', async (t) => {
  const { app, db, ann, boss, salesDb } = await databaseTeam(t);
  const sales = referenceId(db, 'groups', 'Sales');
  const { client } = await signedInHelper(app, 'admin', { scope: { groups: [sales] } });
  await client.get('/users?view=databases');
  const outside = await client.post(`/users/${boss.id}/databases/${salesDb}`, [['access', 'give']]);
  t.equal(outside.statusCode, 404, 'Bo is outside the Sales group');
  t.same(databasesOf(db, boss.id), []);
  const noSuchDatabase = await client.post(`/users/${ann.id}/databases/99999`, [['access', 'give']]);
  t.equal(noSuchDatabase.statusCode, 404);
  const inPlace = await client.post(`/users/${boss.id}/databases/${salesDb}`, [['access', 'give']], HTMX);
  t.equal(inPlace.statusCode, 404);
  t.match(inPlace.body, /no longer in your list/, 'in place, only the message says so');
  t.notMatch(inPlace.body, /Bo Ssman/);

  const viewer = addUser(db, { username: 'cy', firstName: 'Cy', lastName: 'Nordin', groups: ['Sales'] });
  db.run(sql`update users set admin_permissions = '["view"]' where username = 'helper'`);
  const page = await client.get('/users?view=databases');
  t.notMatch(page.body, /aria-label="Give Cy Nordin access/, 'a viewer sees ticks, not buttons');
  t.match(page.body, /No access/);
  const refused = await client.post(`/users/${viewer.id}/databases/${salesDb}`, [['access', 'give']]);
  t.equal(refused.statusCode, 403);
  t.same(databasesOf(db, viewer.id), []);
  t.equal(auditCount(app, 'user.database'), 0);
});

t.test('a column gives its database to the ticked users through the bulk confirmation and job', async (t) => {
  const { app, db, browser, ann, boss, salesDb } = await databaseTeam(t);
  await browser.get('/users?view=databases');
  const confirm = await browser.post('/users/bulk/databases', [
    ['database', `give:${salesDb}`],
    ['action', 'update'],
    ['id', String(ann.id)],
    ['id', String(boss.id)],
    ['query', 'view=databases'],
  ]);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /<h1 id="confirm-heading">Give access to Sales DB<\/h1>/);
  t.match(confirm.body, /Databases: add Sales DB/);
  t.match(confirm.body, /Give access to Sales DB to 2 users/);
  t.same(databasesOf(db, ann.id), ['Finance'], 'nothing is written before it is confirmed');

  const fields = [...confirm.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)]
    .map((m): [string, string] => [m[1]!, m[2]!.replace(/&amp;/g, '&')])
    .filter(([name]) => name !== '_csrf');
  const started = await browser.post('/users/bulk/update', fields);
  const { job } = await finishedJob(app, browser, started);
  t.equal(job.state, 'done');
  t.same(databasesOf(db, ann.id), ['Finance', 'Sales DB']);
  t.same(databasesOf(db, boss.id), ['Sales DB']);
  t.equal(databasesSortOf(db, boss.id), 'sales db');
  t.equal(auditCount(app, 'user.update'), 2);
  const back = job.summary?.links[0]?.href;
  t.equal(back, '/users?view=databases', 'the summary leads back to the database view');
});

t.test('a column takes its database away from everyone matching', async (t) => {
  const { app, db, browser, ann, boss, finance } = await databaseTeam(t);
  giveAccess(db, boss.id, finance);
  await browser.get('/users?view=databases');
  const confirm = await browser.post('/users/bulk/databases', [
    ['database', `take:${finance}:all`],
    ['query', 'view=databases'],
  ]);
  t.match(confirm.body, /Take away access to Finance from 2 users/);
  const fields = [...confirm.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)]
    .map((m): [string, string] => [m[1]!, m[2]!.replace(/&amp;/g, '&')])
    .filter(([name]) => name !== '_csrf');
  t.ok(fields.some(([name, value]) => name === 'all' && value === '1'));
  await finishedJob(app, browser, await browser.post('/users/bulk/update', fields));
  t.same(databasesOf(db, ann.id), []);
  t.same(databasesOf(db, boss.id), []);

  const unknown = await browser.post('/users/bulk/databases', [
    ['database', 'give:99999'],
    ['id', String(ann.id)],
  ]);
  t.equal(unknown.statusCode, 422);
  t.match(unknown.body, /Choose a database from the list/);
});
