import { sql } from 'drizzle-orm';
import t from 'tap';
import type { Db } from '../../src/db/connection.js';
import { auditCount, finishedJob, ticked } from '../helpers/bulk.js';
import { addUser } from '../helpers/directory.js';
import { addonsOf, licenceTeam, setPool } from './fixture.js';

/** Users in the trash holding a licence (and the add-on, when given). */
function trashed(db: Db, names: string[], licenceType: 'full' | 'viewer', addon?: number) {
  return names.map((username) => {
    const user = addUser(db, { username, licenceType, deletedAt: new Date(Date.now() - 60_000) });
    if (addon) db.run(sql`insert into user_addons (user_id, ref_id) values (${user.id}, ${addon})`);
    return user;
  });
}

const inTrash = (db: Db, id: number) =>
  db.get<{ d: number | null }>(sql`select deleted_at as d from users where id = ${id}`)!.d !== null;

t.test('restoring one user takes their licence back: refused when none is free, with nothing written', async (t) => {
  const ctx = await licenceTeam(t);
  const [gone] = trashed(ctx.db, ['gone'], 'full', ctx.crm);
  const usedFull = ctx.db.get<{ n: number }>(
    sql`select count(*) as n from users where licence_type = 'full' and deleted_at is null`,
  )!.n;
  setPool(ctx.db, { full: usedFull, addons: { [ctx.crm]: 5 } });
  const refused = await ctx.browser.post(`/trash/${gone!.id}/restore`);
  t.equal(refused.statusCode, 303);
  t.equal(refused.headers.location, '/trash');
  const page = await ctx.browser.get('/trash');
  t.match(page.body, /gone was not restored. Not enough licences. Full: 0 free, this would need 1./);
  t.ok(inTrash(ctx.db, gone!.id), 'still in the trash');
  t.equal(auditCount(ctx.app, 'user.restore'), 0);

  setPool(ctx.db, { full: usedFull + 1, addons: { [ctx.crm]: 0 } });
  await ctx.browser.post(`/trash/${gone!.id}/restore`);
  t.match((await ctx.browser.get('/trash')).body, /Not enough add-on licences|CRM: 0 free, this would need 1./);
  t.ok(inTrash(ctx.db, gone!.id), 'the add-on counts too');

  setPool(ctx.db, { full: usedFull + 1, addons: { [ctx.crm]: 1 } });
  const restored = await ctx.browser.post(`/trash/${gone!.id}/restore`);
  t.equal(restored.headers.location, `/users/${gone!.id}`);
  t.notOk(inTrash(ctx.db, gone!.id));
  t.same(addonsOf(ctx.db, gone!.id), [ctx.crm], 'with their add-on');
});

t.test('a batch restore past a limit is refused whole, on the confirmation and by the job', async (t) => {
  const ctx = await licenceTeam(t);
  const users = trashed(ctx.db, ['ivo', 'ada', 'cleo'], 'viewer', ctx.rebates);
  setPool(ctx.db, { viewer: 2, addons: { [ctx.rebates]: 10 } });
  const ids = users.map((u) => u.id);

  const confirm = await ctx.browser.post('/trash/bulk', ticked('restore', ...ids));
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /Not enough licences. Viewer: 2 free, this would need 3./);
  t.notMatch(confirm.body, /type="submit"[^>]*>Restore/, 'no button to go ahead');

  // Sent anyway (an old tab): the job refuses the whole batch before writing anything.
  const started = await ctx.browser.post('/trash/bulk/apply', ticked('restore', ...ids));
  const { job } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'failed', 'refused as a whole');
  t.match(job.error, /Not enough licences. Viewer: 2 free, this would need 3./);
  t.ok(
    ids.every((id) => inTrash(ctx.db, id)),
    'nobody restored',
  );
  t.equal(auditCount(ctx.app, 'user.restore'), 0);

  setPool(ctx.db, { viewer: 3, addons: { [ctx.rebates]: 10 } });
  const done = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/trash/bulk/apply', ticked('restore', ...ids)),
  );
  t.equal(done.job.state, 'done');
  t.ok(
    ids.every((id) => !inTrash(ctx.db, id)),
    'with room for them all, all come back',
  );
});

t.test('when inactive users release their seats, restoring inactive users needs none', async (t) => {
  const ctx = await licenceTeam(t);
  const [quiet] = trashed(ctx.db, ['quiet'], 'full');
  ctx.db.run(sql`update users set status = 'inactive' where id = ${quiet!.id}`);
  ctx.db.run(
    sql`insert into settings (key, value, updated_at) values ('licences.inactiveRelease', 'true', ${Date.now()})`,
  );
  setPool(ctx.db, { full: 0 });
  const confirm = await ctx.browser.post('/trash/bulk', ticked('restore', quiet!.id));
  t.notMatch(confirm.body, 'Not enough licences');
  const { job } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/trash/bulk/apply', ticked('restore', quiet!.id)),
  );
  t.equal(job.state, 'done');
  t.notOk(inTrash(ctx.db, quiet!.id));
});
