import { sql } from 'drizzle-orm';
import t from 'tap';
import type { Db } from '../../src/db/connection.js';
import { keptAddonCounts, keptCounts } from '../../src/users/user-counts.js';
import { finishedJob, ticked } from '../helpers/bulk.js';
import { addUser } from '../helpers/directory.js';
import { confirmImport, importReady, previewOf } from '../helpers/import.js';
import { addonId } from '../licences/fixture.js';

/** The counts as a fresh pass over the users reads them. */
function freshCounts(db: Db) {
  return db.get(
    sql`select count(*) as total, sum(status = 'active' and blocked = 0) as active,
          sum(status = 'inactive') as inactive, sum(blocked) as blocked,
          sum(must_change_password) as mustChangePassword, sum(last_signin_at is null) as neverSignedIn,
          sum(licence_type = 'full') as "full", sum(licence_type = 'viewer') as viewer,
          sum(licence_type = 'full' and status = 'active' and blocked = 0) as fullHeld,
          sum(licence_type = 'viewer' and status = 'active' and blocked = 0) as viewerHeld
        from users where deleted_at is null`,
  );
}

function freshAddonCounts(db: Db) {
  const rows = db.all<{ id: number; holders: number; held: number }>(
    sql`select m.ref_id as id, count(*) as holders, sum(u.status = 'active' and u.blocked = 0) as held
        from user_addons m join users u on u.id = m.user_id where u.deleted_at is null group by m.ref_id`,
  );
  return new Map(rows.map((r) => [r.id, { holders: r.holders, held: r.held }]));
}

function keptAddons(db: Db) {
  return new Map([...keptAddonCounts(db)].filter(([, c]) => c.holders > 0 || c.held > 0));
}

function sameAsFresh(t: { same(a: unknown, b: unknown, m: string): unknown }, db: Db, after: string) {
  t.same(keptCounts(db), freshCounts(db), `${after}: the kept counts equal a fresh count`);
  t.same(keptAddons(db), freshAddonCounts(db), `${after}: and so do the add-ons'`);
}

t.test('the kept counts equal a fresh count after bulk update, delete, restore, purge and import', async (t) => {
  const ctx = await importReady(t);
  const { db, browser, app } = ctx;
  const crm = addonId(db, 'CRM');
  const people = Array.from({ length: 12 }, (_, i) =>
    addUser(db, {
      username: `p${i}`,
      licenceType: i % 3 === 0 ? 'full' : 'viewer',
      status: i % 4 === 0 ? 'inactive' : 'active',
      blocked: i % 5 === 0,
      lastSigninAt: i % 2 === 0 ? new Date() : undefined,
    }),
  );
  for (const p of people.slice(0, 6)) db.run(sql`insert into user_addons (user_id, ref_id) values (${p.id}, ${crm})`);
  sameAsFresh(t, db, 'created');

  const ids = people.slice(3, 9).map((p) => p.id);
  const update = await browser.post('/users/bulk/update', [
    ...ids.map((id): [string, string] => ['id', String(id)]),
    ['licence', 'full'],
    ['status', 'active'],
    ['addons_mode', 'add'],
    ['addons', String(crm)],
  ]);
  t.equal((await finishedJob(app, browser, update)).job.state, 'done');
  sameAsFresh(t, db, 'bulk update');

  for (const action of ['block', 'unblock']) {
    const started = await browser.post('/users/bulk/apply', ticked(action, ...ids.slice(0, 3)));
    t.equal((await finishedJob(app, browser, started)).job.state, 'done', action);
    sameAsFresh(t, db, `bulk ${action}`);
  }

  const deleted = await browser.post('/users/bulk/apply', ticked('delete', ...ids));
  t.equal((await finishedJob(app, browser, deleted)).job.state, 'done');
  sameAsFresh(t, db, 'bulk delete');

  const restored = await browser.post('/trash/bulk/apply', ticked('restore', ...ids.slice(0, 3)));
  t.equal((await finishedJob(app, browser, restored)).job.state, 'done');
  sameAsFresh(t, db, 'bulk restore');

  const purged = await browser.post('/trash/bulk/apply', ticked('purge', ...ids.slice(3)));
  t.equal((await finishedJob(app, browser, purged)).job.state, 'done');
  sameAsFresh(t, db, 'bulk purge');

  const csv = ['Last Name,First Name,User Type,Email,Licence', 'Holm,Åsa,Employee,asa@example.com,full'].join('\r\n');
  const { location } = await previewOf(app, browser, csv);
  t.equal((await finishedJob(app, browser, await confirmImport(browser, location))).job.state, 'done');
  sameAsFresh(t, db, 'import');

  db.run(sql`delete from addons where id = ${crm}`);
  sameAsFresh(t, db, 'an add-on taken off the list');
});
