import { sql } from 'drizzle-orm';
import t from 'tap';
import type { Db } from '../../src/db/connection.js';
import { RENAME_IN_REQUEST_MAX } from '../../src/reference/routes.js';
import { LIST_HANDLERS } from '../../src/reference/handlers.js';
import { addUser, referenceId, signedInHelper, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { finishedJob } from '../helpers/bulk.js';

const idOf = (db: Db, table: string, name: string) =>
  db.get<{ id: number }>(sql`select id from ${sql.identifier(table)} where name = ${name}`)?.id;

const groupsOf = (db: Db, userId: number) =>
  db
    .all<{ name: string }>(
      sql`select g.name from user_groups m join groups g on g.id = m.ref_id where m.user_id = ${userId} order by g.name`,
    )
    .map((row) => row.name);

const column = (db: Db, userId: number, name: string) =>
  db.get<{ value: unknown }>(sql`select ${sql.identifier(name)} as value from users where id = ${userId}`)!.value;

t.test('merging a group: confirmation, then a job that moves everyone, scopes included, in one go', async (t) => {
  const { app, db, ann, browser } = await signedInWithAnnAndBoss(t);
  const emea = referenceId(db, 'groups', 'Sales EMEA');
  const sales = idOf(db, 'groups', 'Sales')!;
  const cy = addUser(db, { username: 'cy', groups: ['Sales EMEA', 'Zulu'] });
  const di = addUser(db, { username: 'di', groups: ['Sales EMEA', 'Sales'] });
  const gone = addUser(db, { username: 'gone', groups: ['Sales EMEA'], deletedAt: new Date() });
  const { user: both } = await signedInHelper(app, 'admin', { scope: { groups: [emea, sales] } });
  db.run(sql`insert into users (username, admin_role) values ('other', 'admin')`);
  const otherId = db.get<{ id: number }>(sql`select id from users where username = 'other'`)!.id;
  db.run(sql`insert into admin_scopes (admin_id, kind, ref_id) values (${otherId}, 'groups', ${emea})`);

  const page = await browser.get('/lists/groups');
  t.match(page.body, /Sales EMEA<\/th>\s*<td class="col-count"><a href="\/users\?group=\d+">2 users/);
  const confirm = await browser.get(`/lists/groups/${emea}/merge?into=${sales}`);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /Merge “Sales EMEA” into “Sales”: 2 users will move/);
  t.match(confirm.body, /Administrators whose scope names “Sales EMEA” get “Sales”/);
  t.same(groupsOf(db, cy.id), ['Sales EMEA', 'Zulu'], 'asking changes nothing');

  const started = await browser.post(`/lists/groups/${emea}/merge`, { into: String(sales) });
  const { page: done, job } = await finishedJob(app, browser, started);
  t.equal(job.state, 'done');
  t.match(done.body, /“Sales EMEA” was merged into “Sales”: 2 users moved\./);
  t.match(done.body, /Back to the groups/);

  t.notOk(idOf(db, 'groups', 'Sales EMEA'), 'the merged group is gone');
  t.same(groupsOf(db, cy.id), ['Sales', 'Zulu']);
  t.same(groupsOf(db, di.id), ['Sales'], 'one Sales, not two');
  t.same(groupsOf(db, gone.id), ['Sales'], 'users in the trash move too');
  t.same(groupsOf(db, ann.id), ['Sales'], 'Ann is untouched');
  t.equal(column(db, cy.id, 'groups_sort'), 'sales, zulu');
  t.equal(column(db, di.id, 'groups_sort'), 'sales');
  t.equal(db.get<{ n: number }>(sql`select count(*) as n from user_groups where ref_id = ${emea}`)!.n, 0);

  const scopes = (adminId: number) =>
    db.all(sql`select kind, ref_id as refId from admin_scopes where admin_id = ${adminId}`);
  t.same(scopes(both.id), [{ kind: 'groups', refId: sales }], 'no duplicate scope row');
  t.same(scopes(otherId), [{ kind: 'groups', refId: sales }], 'the scope moved to the target');

  const entry = db.get<{ detail: string; changes: string }>(
    sql`select detail, changes from audit_entries where action = 'list.merge'`,
  )!;
  t.match(entry.detail, /Groups: “Sales EMEA” merged into “Sales” \(2 users moved\)/);
  t.same(JSON.parse(entry.changes), { name: ['Sales EMEA', 'Sales'] });

  const list = await browser.get('/lists/groups');
  t.match(list.body, /Sales<\/th>\s*<td class="col-count"><a href="\/users\?group=\d+">3 users/);
});

t.test('merging a territory sets the target on every user who had the first', async (t) => {
  const { app, db, browser } = await signedInWithAnnAndBoss(t);
  const cy = addUser(db, { username: 'cy', territory: 'Iberia' });
  const di = addUser(db, { username: 'di', territory: 'Spain' });
  const iberia = idOf(db, 'territories', 'Iberia')!;
  const spain = idOf(db, 'territories', 'Spain')!;

  await browser.get(`/lists/territories/${spain}/merge?into=${iberia}`);
  const { job } = await finishedJob(
    app,
    browser,
    await browser.post(`/lists/territories/${spain}/merge`, { into: String(iberia) }),
  );
  t.equal(job.state, 'done');
  for (const user of [cy, di]) {
    t.equal(column(db, user.id, 'territory_id'), iberia);
    t.equal(column(db, user.id, 'territory_sort'), 'iberia');
  }
  t.notOk(idOf(db, 'territories', 'Spain'));
});

t.test('a merge whose items changed since the confirmation is refused and changes nothing', async (t) => {
  const { app, db, admin, browser } = await signedInWithAnnAndBoss(t);
  const a = referenceId(db, 'groups', 'A');
  const b = referenceId(db, 'groups', 'B');
  await browser.get(`/lists/groups/${a}/merge?into=${b}`);
  // Another superuser removes the target before the merge is confirmed.
  db.run(sql`delete from groups where id = ${b}`);
  const gone = await browser.post(`/lists/groups/${a}/merge`, { into: String(b) });
  t.equal(gone.headers.location, `/lists/groups/${a}/merge?into=`, 'back to choosing a target');
  const choose = await browser.get(gone.headers.location as string);
  t.equal(choose.statusCode, 422);
  t.match(choose.body, /Choose the group to merge “A” into/);
  t.ok(idOf(db, 'groups', 'A'), 'A stays');

  // The job checks again in its own transaction: removed after the job was queued.
  const context = {
    jobId: 'x',
    db,
    actor: admin,
    params: { list: 'groups' as const, fromId: a, intoId: b, back: { label: 'Back', href: '/lists/groups' } },
    requestId: 'r',
    progress: () => {},
    outbox: app.mail.outbox,
    dataDir: '',
  };
  t.throws(() => LIST_HANDLERS['list.merge'](context), {
    name: 'JobRefusedError',
    message: /That group no longer exists/,
  });
  t.ok(idOf(db, 'groups', 'A'), 'A still stays');
});

t.test('renaming an item many users hold runs as a job', async (t) => {
  const { app, db, browser } = await signedInWithAnnAndBoss(t);
  const many = RENAME_IN_REQUEST_MAX + 1;
  const big = referenceId(db, 'groups', 'Big');
  db.run(sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${many})
    insert into users (username, groups_sort) select 'bulk' || i, 'big' from n`);
  db.run(sql`insert into user_groups (user_id, ref_id) select id, ${big} from users where username like 'bulk%'`);

  await browser.get('/lists/groups');
  const started = await browser.post(`/lists/groups/${big}/rename`, { name: 'Bigger' });
  const { job, page } = await finishedJob(app, browser, started);
  t.equal(job.state, 'done');
  t.match(page.body, /“Big” was renamed to “Bigger”\./);
  t.equal(
    db.get<{ n: number }>(sql`select count(*) as n from users where groups_sort = 'bigger'`)!.n,
    many,
    'every holder sorts by the new name',
  );
});
