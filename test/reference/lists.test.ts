import { sql } from 'drizzle-orm';
import t from 'tap';
import type { Db } from '../../src/db/connection.js';
import { addUser, referenceId, signedInHelper, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { auditCount } from '../helpers/bulk.js';

/** The names of a list's items in the order its page shows them. */
function shownItems(html: string): string[] {
  return [...html.matchAll(/<th scope="row" class="list-item-name">([^<]*)<\/th>/g)].map((m) => m[1]!);
}

const idOf = (db: Db, table: string, name: string) =>
  db.get<{ id: number }>(sql`select id from ${sql.identifier(table)} where name = ${name}`)?.id;

const lastAudit = (db: Db, action: string) =>
  db.get<{ detail: string; changes: string; target_user_id: number | null }>(
    sql`select detail, changes, target_user_id from audit_entries where action = ${action} order by id desc limit 1`,
  );

t.test('the Lists overview counts each list and links to it; only superusers see it', async (t) => {
  const { app, browser } = await signedInWithAnnAndBoss(t);
  const home = await browser.get('/');
  t.match(home.body, /<a href="\/lists">Lists<\/a>/, 'the main navigation has Lists');

  const page = await browser.get('/lists');
  t.equal(page.statusCode, 200);
  for (const [slug, title] of [
    ['groups', 'Groups'],
    ['teams', 'Teams'],
    ['territories', 'Territories'],
    ['companies', 'Companies'],
    ['user-types', 'User types'],
    ['roles', 'Roles'],
    ['databases', 'Databases'],
    ['addons', 'Add-on licences'],
  ]) {
    t.match(page.body, new RegExp(`href="/lists/${slug}">\\s*<h2>${title}</h2>`), `${title} is linked`);
  }
  t.match(page.body, /<h2>User types<\/h2>\s*<p class="tile-figure">5<\/p>/, 'the five first-run user types');
  t.match(page.body, /<h2>Territories<\/h2>\s*<p class="tile-figure">0<\/p>\s*<p class="tile-note">None yet/);

  const { client } = await signedInHelper(app, 'admin');
  t.notMatch((await client.get('/users')).body, /href="\/lists"/, 'no Lists link for a scoped administrator');
  for (const url of ['/lists', '/lists/groups', '/lists/groups/1/remove']) {
    const refused = await client.get(url);
    t.equal(refused.statusCode, 403, url);
    t.match(refused.body, /You may not manage reference lists/);
  }
  const post = await client.post('/lists/groups', { name: 'Sneaky' });
  t.equal(post.statusCode, 403);
  t.notOk(idOf(app.db, 'groups', 'Sneaky'), 'and nothing was added');
});

t.test('a list shows its items alphabetically with their live users, or what to do when empty', async (t) => {
  const { db, browser } = await signedInWithAnnAndBoss(t);
  addUser(db, { username: 'cy', groups: ['beta', 'Sales'] });
  addUser(db, { username: 'di', groups: ['Ängel'] });
  addUser(db, { username: 'gone', groups: ['Sales'], deletedAt: new Date() });
  referenceId(db, 'groups', 'zeta');

  const page = await browser.get('/lists/groups');
  t.equal(page.statusCode, 200);
  t.same(shownItems(page.body), ['Ängel', 'beta', 'Sales', 'zeta'], 'alphabetical, ignoring case and accents');
  t.match(
    page.body,
    /Sales<\/th>\s*<td class="col-count"><a href="\/users\?group=\d+">2 users<\/a>/,
    'Ann and Cy; not the trashed user',
  );
  t.match(page.body, /zeta<\/th>\s*<td class="col-count">0 users</);
  for (const label of ['New group', 'Rename “Sales” to', 'Merge “Sales” into']) t.ok(page.body.includes(label), label);

  const empty = await browser.get('/lists/territories');
  t.match(empty.body, /<h2>No territories yet<\/h2>/);
  t.match(empty.body, /Add the first territory above/);
  t.equal((await browser.get('/lists/nonsense')).statusCode, 404);
});

t.test('adding an item: trimmed, required, at most 200 characters, unique ignoring case and accents', async (t) => {
  const { app, db, browser } = await signedInWithAnnAndBoss(t);
  await browser.get('/lists/groups');
  const added = await browser.post('/lists/groups', { name: '  Support  ' });
  t.equal(added.statusCode, 303);
  t.equal(added.headers.location, '/lists/groups');
  t.ok(idOf(db, 'groups', 'Support'), 'stored trimmed');
  t.match((await browser.get('/lists/groups')).body, /“Support” was added to the groups/);
  const entry = lastAudit(db, 'list.add')!;
  t.equal(entry.target_user_id, null, 'the entry names no user');
  t.match(entry.detail, /Groups: added “Support”/);
  t.same(JSON.parse(entry.changes), { name: [null, 'Support'] });
  const audit = await browser.get('/audit');
  t.match(
    audit.body,
    /List item added <span class="audit-detail">Groups: added “Support”<\/span>/,
    'in the audit log, in words',
  );

  const refusals: [string, RegExp][] = [
    ['sales', /There is already a group called “Sales”/],
    ['Sälës', /There is already a group called “Sales”/],
    ['   ', /Enter a name for the group/],
    ['x'.repeat(201), /Use at most 200 characters/],
  ];
  for (const [name, message] of refusals) {
    const refused = await browser.post('/lists/groups', { name });
    t.equal(refused.statusCode, 422, `"${name.slice(0, 10)}" refused`);
    t.match(refused.body, message);
    if (name.trim()) t.ok(refused.body.includes(`value="${name.trim()}"`), 'the input is kept');
  }
  t.equal(db.get<{ n: number }>(sql`select count(*) as n from groups`)!.n, 2, 'only Sales and Support');
  t.equal(auditCount(app, 'list.add'), 1);
});

t.test('renaming rewrites the sort keys of the users who hold the item', async (t) => {
  const { db, ann, browser } = await signedInWithAnnAndBoss(t);
  const cy = addUser(db, { username: 'cy', groups: ['Sales', 'Alpha'], territory: 'Nordics' });
  const sales = idOf(db, 'groups', 'Sales')!;
  const nordics = idOf(db, 'territories', 'Nordics')!;
  const sortOf = (id: number, column: string) =>
    db.get<{ key: string }>(sql`select ${sql.identifier(column)} as key from users where id = ${id}`)!.key;

  await browser.get('/lists/groups');
  const renamed = await browser.post(`/lists/groups/${sales}/rename`, { name: 'Ventes Öst' });
  t.equal(renamed.statusCode, 303);
  t.equal(idOf(db, 'groups', 'Ventes Öst'), sales);
  t.equal(sortOf(ann.id, 'groups_sort'), 'ventes ost');
  t.equal(sortOf(cy.id, 'groups_sort'), 'alpha, ventes ost', 'names re-sorted');
  const entry = lastAudit(db, 'list.rename')!;
  t.same(JSON.parse(entry.changes), { name: ['Sales', 'Ventes Öst'] });
  t.match(entry.detail, /Groups: “Sales” renamed to “Ventes Öst” \(2 users\)/);

  const search = await browser.get('/users?sort=groups');
  t.ok(search.body.indexOf('cy') < search.body.indexOf('Öberg'), 'the users list sorts by the new name');

  await browser.get('/lists/territories');
  t.equal((await browser.post(`/lists/territories/${nordics}/rename`, { name: 'Baltics' })).statusCode, 303);
  t.equal(sortOf(cy.id, 'territory_sort'), 'baltics');

  const clash = await browser.post(`/lists/groups/${sales}/rename`, { name: 'alpha' });
  t.equal(clash.statusCode, 422);
  t.match(clash.body, /There is already a group called “Alpha”/);
  t.match(clash.body, /<details class="menu" open>/, 'the rename form is open again');
  t.ok(clash.body.includes('value="alpha"'), 'with what was typed');

  const caseOnly = await browser.post(`/lists/groups/${sales}/rename`, { name: 'VENTES ÖST' });
  t.equal(caseOnly.statusCode, 303, 'an item may change its own case');
});

t.test('removing: refused with the count while in use, confirmed first when unused', async (t) => {
  const { app, db, browser } = await signedInWithAnnAndBoss(t);
  const sales = idOf(db, 'groups', 'Sales')!;
  const empty = referenceId(db, 'groups', 'Empty');
  const trashedOnly = referenceId(db, 'territories', 'Atlantis');
  const gone = addUser(db, { username: 'gone', territory: 'Atlantis', deletedAt: new Date() });
  const { user: scoped } = await signedInHelper(app, 'admin', { scope: { groups: [empty, sales] } });

  const inUse = await browser.get(`/lists/groups/${sales}/remove`);
  t.match(inUse.body, /Used by 1 user: merge it into another item instead\./);
  t.match(inUse.body, /Merge “Sales” into/, 'offers the merge');
  const refused = await browser.post(`/lists/groups/${sales}/remove`);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /Used by 1 user/);
  t.ok(idOf(db, 'groups', 'Sales'), 'Sales stays');

  const confirm = await browser.get(`/lists/groups/${empty}/remove`);
  t.match(confirm.body, /Remove “Empty”\?/);
  t.match(confirm.body, /<button class="button button-danger" type="submit">Remove “Empty”<\/button>/);
  t.ok(idOf(db, 'groups', 'Empty'), 'asking removes nothing');
  const removed = await browser.post(`/lists/groups/${empty}/remove`);
  t.equal(removed.statusCode, 303);
  t.notOk(idOf(db, 'groups', 'Empty'));
  t.same(
    db.all(sql`select kind, ref_id as refId from admin_scopes where admin_id = ${scoped.id}`),
    [{ kind: 'groups', refId: sales }],
    'the scope row naming it is gone',
  );
  t.same(JSON.parse(lastAudit(db, 'list.remove')!.changes), { name: ['Empty', null] });

  await browser.get(`/lists/territories/${trashedOnly}/remove`);
  t.equal(
    (await browser.post(`/lists/territories/${trashedOnly}/remove`)).statusCode,
    303,
    'only a trashed user had it',
  );
  t.same(db.get(sql`select territory_id as t, territory_sort as s from users where id = ${gone.id}`), {
    t: null,
    s: '',
  });
});

t.test('remove and merge pages of unknown items are not found', async (t) => {
  const { browser } = await signedInWithAnnAndBoss(t);
  t.equal((await browser.get('/lists/groups/9999/remove')).statusCode, 404);
  t.equal((await browser.get('/lists/groups/abc/merge')).statusCode, 404);
});
