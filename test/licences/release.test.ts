import t from 'tap';
import { sql } from 'drizzle-orm';
import { licenceTeam, setPool } from './fixture.js';
import { addUser } from '../helpers/directory.js';
import { finishedJob, ticked } from '../helpers/bulk.js';

/** Releasing on: switching an inactive or blocked user on again takes their seats back. */
async function releasing(t: Parameters<typeof licenceTeam>[0]) {
  const ctx = await licenceTeam(t);
  await ctx.browser.get('/licences');
  await ctx.browser.post('/licences', [['release', 'release']]);
  const off = addUser(ctx.db, { username: 'off', firstName: 'Off', licenceType: 'full', status: 'inactive' });
  const stop = addUser(ctx.db, { username: 'stop', firstName: 'Stop', licenceType: 'full', blocked: true });
  setPool(ctx.db, { full: 1 }); // the superuser holds the only seat
  await ctx.browser.get('/users');
  return { ...ctx, off, stop };
}

const stored = (ctx: Awaited<ReturnType<typeof releasing>>, id: number) =>
  ctx.db.get<{ status: string; blocked: number }>(sql`select status, blocked from users where id = ${id}`)!;

t.test('activating or unblocking one user is refused when their licence has no free seat', async (t) => {
  const ctx = await releasing(t);
  const activated = await ctx.browser.post(`/users/${ctx.off.id}/status`, { status: 'active' });
  t.equal(activated.statusCode, 303);
  t.match(
    (await ctx.browser.get(`/users/${ctx.off.id}`)).body,
    /Off was not changed. Not enough licences. Full: 0 free, this would need 1./,
  );
  t.equal(stored(ctx, ctx.off.id).status, 'inactive');

  await ctx.browser.post(`/users/${ctx.stop.id}/unblock`);
  t.match(
    (await ctx.browser.get(`/users/${ctx.stop.id}`)).body,
    /Stop was not changed. Not enough licences. Full: 0 free/,
  );
  t.equal(stored(ctx, ctx.stop.id).blocked, 1);

  // Kept seats (the default) make switching on free: they were never given back.
  await ctx.browser.get('/licences');
  await ctx.browser.post('/licences', [
    ['seats-full', '3'],
    ['release', 'keep'],
  ]);
  await ctx.browser.get(`/users/${ctx.off.id}`);
  await ctx.browser.post(`/users/${ctx.off.id}/status`, { status: 'active' });
  t.equal(stored(ctx, ctx.off.id).status, 'active');
});

t.test('bulk activate and unblock: refused on the confirmation and, whole, in the job', async (t) => {
  const ctx = await releasing(t);
  const confirm = await ctx.browser.post('/users/bulk', ticked('activate', ctx.off.id));
  t.match(confirm.body, /Not enough licences. Full: 0 free, this would need 1./);
  const started = await ctx.browser.post('/users/bulk/apply', ticked('unblock', ctx.stop.id));
  const { job } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'failed');
  t.match(JSON.stringify(job), /Full: 0 free, this would need 1. Nothing was changed./);
  t.equal(stored(ctx, ctx.stop.id).blocked, 1);
});
