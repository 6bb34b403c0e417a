import t from 'tap';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.js';
import { activeAdministrator } from '../../src/access/actor.js';
import { LAST_SUPERUSER } from '../../src/access/policy.js';
import { emptyScope } from '../../src/access/actor.js';
import { changeAdministration, RefusedError, revokeAdministration } from '../../src/admins/service.js';
import { addUser } from '../helpers/directory.js';
import { accessState, superuserWithDirectory } from './fixture.js';

const ONLY = 'You are the only active superuser: make someone else a superuser first.';

t.test('the only active superuser cannot demote themselves; nothing is written', async (t) => {
  const ctx = await superuserWithDirectory(t);
  // Another superuser who cannot act does not count: inactive, blocked, or in the trash.
  addUser(ctx.db, { username: 'resting', adminRole: 'superuser', status: 'inactive' });
  addUser(ctx.db, { username: 'stopped', adminRole: 'superuser', blocked: true });
  addUser(ctx.db, { username: 'trashed', adminRole: 'superuser', deletedAt: new Date() });
  await ctx.browser.get(`/admins/${ctx.admin.id}/edit`);
  const before = accessState(ctx.db, ctx.admin.id);
  const res = await ctx.browser.post(`/admins/${ctx.admin.id}`, [
    ['role', 'admin'],
    ['groups', String(ctx.ids.sales)],
    ['permissions', 'view'],
  ]);
  t.equal(res.statusCode, 409);
  t.match(res.body, ONLY);
  t.match(res.body, 'value="view" checked', 'the form keeps what was chosen');
  t.same(accessState(ctx.db, ctx.admin.id), before, 'the database is unchanged');
});

t.test('the only active superuser cannot revoke themselves; nothing is written', async (t) => {
  const ctx = await superuserWithDirectory(t);
  const confirm = await ctx.browser.get(`/admins/${ctx.admin.id}/revoke`);
  t.match(confirm.body, ONLY, 'the confirmation says so before anything is tried');
  t.notMatch(confirm.body, 'Revoke administration</button>', 'and offers no button');
  const before = accessState(ctx.db, ctx.admin.id);
  const res = await ctx.browser.post(`/admins/${ctx.admin.id}/revoke`);
  t.equal(res.statusCode, 409);
  t.match(res.body, ONLY);
  t.same(accessState(ctx.db, ctx.admin.id), before, 'the database is unchanged, the session too');
  t.equal((await ctx.browser.get('/admins')).statusCode, 200, 'still signed in and a superuser');
});

t.test('the last active superuser cannot be demoted or revoked by anyone', async (t) => {
  // A superuser whose account was deactivated after their request began: the policy counts the
  // accounts as they are in the database, so the other superuser is now the last active one.
  const ctx = await superuserWithDirectory(t);
  const other = addUser(ctx.db, { username: 'other', fullName: 'Olga Other', adminRole: 'superuser' });
  const actor = activeAdministrator(ctx.db, ctx.admin.id)!;
  ctx.db.update(users).set({ status: 'inactive' }).where(eq(users.id, ctx.admin.id)).run();
  const before = accessState(ctx.db, other.id);
  t.throws(
    () => revokeAdministration(ctx.db, actor, other.id, 'req'),
    new RefusedError(LAST_SUPERUSER),
    'revoking is refused',
  );
  t.throws(
    () => changeAdministration(ctx.db, actor, other.id, { role: 'admin', permissions: [], scope: emptyScope() }, 'req'),
    new RefusedError(LAST_SUPERUSER),
    'demoting is refused',
  );
  t.same(accessState(ctx.db, other.id), before, 'the database is unchanged');
  const kept = changeAdministration(
    ctx.db,
    actor,
    other.id,
    { role: 'superuser', permissions: null, scope: emptyScope() },
    'req',
  );
  t.same(kept, {}, 'keeping them a superuser is no loss');
});

t.test('with a second active superuser, demoting yourself is allowed', async (t) => {
  const ctx = await superuserWithDirectory(t);
  addUser(ctx.db, { username: 'second', adminRole: 'superuser' });
  await ctx.browser.get(`/admins/${ctx.admin.id}/edit`);
  const res = await ctx.browser.post(`/admins/${ctx.admin.id}`, [
    ['role', 'admin'],
    ['permissions', 'view'],
  ]);
  t.equal(res.statusCode, 303);
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.admin.id)).get()!.adminRole, 'admin');
  t.equal((await ctx.browser.get('/admins')).statusCode, 403, 'the change applies at their next request');
});
