import { sql } from 'drizzle-orm';
import t from 'tap';
import type { Db } from '../../src/db/connection.js';
import { auditCount, finishedJob, ticked } from '../helpers/bulk.js';
import { addUser, referenceId, signedInHelper, signedInWithAnnAndBoss, type UserFields } from '../helpers/directory.js';

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60_000;

/** Users in the trash: deleted one a minute apart, the first named first deleted first. */
function trashed(db: Db, names: string[], extra: Omit<UserFields, 'username'> = {}) {
  const start = Date.now() - DAY;
  return names.map((name, i) => {
    const deletedAt = new Date(start + i * MINUTE);
    const [firstName, lastName] = name.split(' ');
    return addUser(db, {
      username: name.toLowerCase().replace(' ', '.'),
      firstName,
      lastName,
      deletedAt,
      ...extra,
    });
  });
}

const inTrash = (db: Db, id: number) =>
  db.get<{ d: number | null }>(sql`select deleted_at as d from users where id = ${id}`)?.d !== null;
const exists = (db: Db, id: number) => db.get(sql`select 1 from users where id = ${id}`) !== undefined;
/** The names of the rows shown, in order. */
const namesShown = (page: string) =>
  [...page.matchAll(/<input type="checkbox" name="id" value="\d+" form="bulk-form" aria-label="Select ([^"]+)">/g)].map(
    (m) => m[1],
  );

t.test('the trash is searched, sorted and paged like the users list', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  trashed(ctx.db, ['Ada Lind', 'Ivo Lind', 'Cleo Marsh']);
  trashed(
    ctx.db,
    Array.from({ length: 55 }, (_, i) => `Filler No${String(i).padStart(2, '0')}`),
  );
  const first = await ctx.browser.get('/trash');
  t.match(first.body, 'of <strong>58</strong> users in the trash');
  t.equal(namesShown(first.body)[0], 'Filler No54', 'most recently deleted first');
  t.equal(namesShown(first.body).length, 50);

  const lind = await ctx.browser.get('/trash?q=lind');
  t.same(namesShown(lind.body), ['Ivo Lind', 'Ada Lind'], 'the search finds both, newest deletion first');
  const byName = await ctx.browser.get('/trash?q=lind&sort=name');
  t.same(namesShown(byName.body), ['Ada Lind', 'Ivo Lind'], 'sorted by last then first name');
  const nobody = await ctx.browser.get('/trash?q=zebra');
  t.match(nobody.body, 'No users in the trash match “zebra”');

  const page1 = await ctx.browser.get('/trash?size=25&sort=name');
  t.equal(namesShown(page1.body).length, 25);
  const next = /<a class="button" href="([^"]+)"[^>]*rel="next"/.exec(page1.body)![1]!.replace(/&amp;/g, '&');
  t.match(next, /^\/trash\?.*page=2/);
  const page2 = await ctx.browser.get(next);
  t.equal(namesShown(page2.body).length, 25);
  t.notOk(
    namesShown(page2.body).some((n) => namesShown(page1.body).includes(n)),
    'the next page goes on',
  );
  t.match((await ctx.browser.get('/trash?size=25&sort=name&page=3')).body, 'Showing <strong>51–58</strong>');
  t.notMatch((await ctx.browser.get('/users?q=lind')).body, 'Ada Lind', 'the users list leaves the trash out');
  const fragment = await ctx.browser.get('/trash?q=lind', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.notMatch(fragment.body, '<html', 'htmx gets the results alone');
  t.match(fragment.body, 'Ada Lind');
});

t.test('ticked users are restored after a confirmation, as a job, and audited', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  const [ivo, ada, cleo] = trashed(ctx.db, ['Ivo Lind', 'Ada Lind', 'Cleo Marsh']);
  await ctx.browser.get('/trash');
  const confirm = await ctx.browser.post('/trash/bulk', ticked('restore', ivo!.id, ada!.id));
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /<strong>2 users<\/strong> will be restored, of 2 users selected/);
  t.match(confirm.body, /<button class="button button-primary" type="submit">Restore 2 users<\/button>/);
  t.ok(inTrash(ctx.db, ivo!.id), 'nothing happens before the confirmation');
  const done = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/trash/bulk/apply', ticked('restore', ivo!.id, ada!.id)),
  );
  t.match(done.page.body, /2 users restored/);
  t.notOk(inTrash(ctx.db, ivo!.id));
  t.notOk(inTrash(ctx.db, ada!.id));
  t.ok(inTrash(ctx.db, cleo!.id), 'the one not ticked stays');
  t.equal(auditCount(ctx.app, 'user.restore'), 2);
  t.match(done.page.body, 'href="/trash?sort=-updated"', 'back to the trash');
});

t.test('all matching the search are deleted permanently; a supervisor of someone who stays is kept', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  const [ivo, ada] = trashed(ctx.db, ['Ivo Lind', 'Ada Lind']);
  const [cleo] = trashed(ctx.db, ['Cleo Marsh']);
  // Ivo supervises Ada (both go) and Ann, who stays in the list: Ivo must stay.
  ctx.db.run(sql`update users set supervisor_id = ${ivo!.id} where id in (${ada!.id}, ${ctx.ann.id})`);
  await ctx.browser.get('/trash?q=lind');
  const all: [string, string][] = [
    ['action', 'purge'],
    ['all', '1'],
    ['query', 'q=lind'],
  ];
  const confirm = await ctx.browser.post('/trash/bulk', all);
  t.match(confirm.body, /<strong>1 user<\/strong> will be deleted permanently, of 2 users selected/);
  t.match(confirm.body, /Ivo Lind — Still named as supervisor by a user who stays/);
  t.match(confirm.body, /button-danger" type="submit">Delete permanently 1 user/);
  t.match(confirm.body, 'erased and cannot be restored');
  const done = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/trash/bulk/apply', all));
  t.match(done.page.body, /1 user deleted permanently/);
  t.notOk(exists(ctx.db, ada!.id), 'purged');
  t.ok(exists(ctx.db, ivo!.id), 'kept: Ann still reports to them');
  t.ok(exists(ctx.db, cleo!.id), 'not matching the search');
  t.equal(auditCount(ctx.app, 'user.purge'), 1, 'the purge is recorded, though the row is gone');
});

t.test('a supervisor purged together with their reports takes the links with them', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  const [boss, report] = trashed(ctx.db, ['Bea Boss', 'Rex Report']);
  ctx.db.run(sql`update users set supervisor_id = ${boss!.id} where id = ${report!.id}`);
  await ctx.browser.get('/trash');
  const fields = ticked('purge', boss!.id, report!.id);
  const done = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/trash/bulk/apply', fields));
  t.match(done.page.body, /2 users deleted permanently/);
  t.notOk(exists(ctx.db, boss!.id));
  t.notOk(exists(ctx.db, report!.id));
});

t.test('out of scope: ticking an outsider is refused whole, and all matching reaches only the scope', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  const sales = referenceId(ctx.db, 'groups', 'Sales');
  const [insider] = trashed(ctx.db, ['Ines Lind'], { groups: ['Sales'] });
  const [outsider] = trashed(ctx.db, ['Otto Lind'], { groups: ['Support'] });
  const { client } = await signedInHelper(ctx.app, 'admin', { scope: { groups: [sales] } });
  const page = await client.get('/trash?q=lind');
  t.same(namesShown(page.body), ['Ines Lind']);
  const refused = await client.post('/trash/bulk', ticked('purge', insider!.id, outsider!.id));
  t.equal(refused.statusCode, 403);
  t.match(refused.body, '1 of the selected users is not yours to change');
  const job = await finishedJob(
    ctx.app,
    client,
    await client.post('/trash/bulk/apply', ticked('purge', insider!.id, outsider!.id)),
  );
  t.equal(job.job.state, 'failed');
  t.ok(exists(ctx.db, insider!.id) && exists(ctx.db, outsider!.id), 'nothing changed');
  const all: [string, string][] = [
    ['action', 'restore'],
    ['all', '1'],
    ['query', 'q=lind'],
  ];
  t.match(
    (await client.post('/trash/bulk', all)).body,
    /<strong>1 user<\/strong> will be restored, of 1 user selected/,
  );
  await finishedJob(ctx.app, client, await client.post('/trash/bulk/apply', all));
  t.notOk(inTrash(ctx.db, insider!.id));
  t.ok(inTrash(ctx.db, outsider!.id), 'outside the scope: untouched');
});

t.test('an unknown action or an empty selection is refused', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  const [ivo] = trashed(ctx.db, ['Ivo Lind']);
  await ctx.browser.get('/trash');
  const unknown = await ctx.browser.post('/trash/bulk', ticked('explode', ivo!.id));
  t.equal(unknown.statusCode, 422);
  t.match(unknown.body, 'Choose Restore or Delete permanently');
  const empty = await ctx.browser.post('/trash/bulk', [['action', 'restore']]);
  t.equal(empty.statusCode, 422);
  t.match(empty.body, 'Select at least one user first.');
  t.ok(inTrash(ctx.db, ivo!.id));
});
