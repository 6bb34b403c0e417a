import { PERMISSIONS } from '../../src/db/schema.js';
import { LAST_SUPERUSER } from '../../src/access/policy.js';
import { and, eq } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { hashPassword } from '../../src/auth/passwords.js';
import { countFailure, isPaused } from '../../src/auth/signin-throttle.js';
import { changeAccess } from '../../src/user/access-writes.js';
import { auditEntries, signinFailures, users } from '../../src/db/schema.js';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { addManagedUser, reload } from '../helpers/portal.js';

async function setUp(t: Test) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const mira = await addManagedUser(app);
  const browser = new Client(app);
  await browser.signIn();
  await browser.get(`/users/${mira.id}`);
  return { app, db: app.db, admin, mira, browser };
}

const auditOf = (db: Parameters<typeof addUser>[0], action: string) =>
  db.select().from(auditEntries).where(eq(auditEntries.action, action)).all();

const flashOf = async (browser: Client, id: number) => (await browser.get(`/users/${id}`)).body;

t.test('the user page shows the state in words and only the actions that apply', async (t) => {
  const ctx = await setUp(t);
  let page = await flashOf(ctx.browser, ctx.mira.id);
  t.match(page, 'Status and access');
  t.match(page, 'Active: the user can sign in.');
  t.match(page, 'Deactivate…');
  t.match(page, 'Block…');
  t.notMatch(page, '>Activate<');
  t.notMatch(page, '>Unblock<');
  t.notMatch(page, '>Unlock<', 'Unlock only when locked');
  t.notMatch(page, /<script>|hx-on/, 'no inline behaviour');

  ctx.db
    .update(users)
    .set({ status: 'inactive', blocked: true, lockedUntil: new Date(Date.now() + 60_000), failedSigninCount: 10 })
    .where(eq(users.id, ctx.mira.id))
    .run();
  page = await flashOf(ctx.browser, ctx.mira.id);
  t.match(page, 'Inactive: the user cannot sign in');
  t.match(page, 'Blocked by an administrator');
  t.match(page, 'Locked after 10 failed sign-ins');
  t.match(page, '>Activate<');
  t.match(page, '>Unblock<');
  t.match(page, '>Unlock<');
  t.notMatch(page, 'Deactivate…');
  t.notMatch(page, 'Block…');

  const own = await flashOf(ctx.browser, ctx.admin.id);
  t.notMatch(own, 'Deactivate…', 'no way offered to lock yourself out');
  t.notMatch(own, 'Block…');
  t.match(own, 'This is your own account');
});

t.test('deactivate and activate: audited before → after, version bumped, sessions ended', async (t) => {
  const ctx = await setUp(t);
  const res = await ctx.browser.post(`/users/${ctx.mira.id}/status`, { status: 'inactive' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/users/${ctx.mira.id}`);
  let mira = reload(ctx.app, ctx.mira.id);
  t.equal(mira.status, 'inactive');
  t.equal(mira.version, ctx.mira.version + 1);
  t.equal(mira.updatedBy, ctx.admin.id);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak was deactivated.');

  await ctx.browser.post(`/users/${ctx.mira.id}/status`, { status: 'active' });
  mira = reload(ctx.app, ctx.mira.id);
  t.equal(mira.status, 'active');
  t.equal(mira.version, ctx.mira.version + 2);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak was activated.');

  const entries = auditOf(ctx.db, 'user.status');
  t.equal(entries.length, 2);
  t.same(entries[0]!.changes, { status: ['active', 'inactive'] });
  t.same(entries[1]!.changes, { status: ['inactive', 'active'] });
  t.equal(entries[0]!.targetUserId, ctx.mira.id);
  t.equal(entries[0]!.actorName, 'Ada Admin');
  t.equal(entries[0]!.detail, 'No session was open');

  await ctx.browser.post(`/users/${ctx.mira.id}/status`, { status: 'active' });
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak is already active.');
  t.equal(auditOf(ctx.db, 'user.status').length, 2, 'nothing changed, nothing audited');
  t.equal(reload(ctx.app, ctx.mira.id).version, ctx.mira.version + 2);

  const bad = await ctx.browser.post(`/users/${ctx.mira.id}/status`, { status: 'gone' });
  t.equal(bad.statusCode, 400);
});

t.test('block and unblock are audited before → after', async (t) => {
  const ctx = await setUp(t);
  t.equal((await ctx.browser.post(`/users/${ctx.mira.id}/block`)).statusCode, 303);
  t.equal(reload(ctx.app, ctx.mira.id).blocked, true);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak was blocked.');
  await ctx.browser.post(`/users/${ctx.mira.id}/block`);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak is already blocked.');
  await ctx.browser.post(`/users/${ctx.mira.id}/unblock`);
  t.equal(reload(ctx.app, ctx.mira.id).blocked, false);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak was unblocked.');
  await ctx.browser.post(`/users/${ctx.mira.id}/unblock`);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak is not blocked.');
  t.same(auditOf(ctx.db, 'user.block')[0]!.changes, { blocked: [false, true] });
  t.same(auditOf(ctx.db, 'user.unblock')[0]!.changes, { blocked: [true, false] });
  t.equal(auditOf(ctx.db, 'user.block').length, 1);
});

t.test('unlock clears the failure count and the recorded failures, so a paused sign-in works again', async (t) => {
  const ctx = await setUp(t);
  const policy = { perAddress: 3, perAccount: 100, windowMs: 15 * 60_000 };
  const key = { userId: ctx.mira.id, audience: 'account', address: '203.0.113.9' } as const;
  for (let i = 0; i < 3; i++) countFailure(ctx.db, policy, key, new Date(), 'wrong password', () => {});
  t.ok(isPaused(ctx.db, policy, key, new Date()), 'sign-in from that address is paused by the failures');
  t.match(await flashOf(ctx.browser, ctx.mira.id), '3 failed sign-ins since the last successful one');

  t.equal((await ctx.browser.post(`/users/${ctx.mira.id}/unlock`)).statusCode, 303);
  const mira = reload(ctx.app, ctx.mira.id);
  t.equal(mira.lockedUntil, null);
  t.equal(mira.failedSigninCount, 0);
  t.equal(ctx.db.select().from(signinFailures).where(eq(signinFailures.userId, mira.id)).all().length, 0);
  t.notOk(isPaused(ctx.db, policy, key, new Date()), 'no longer paused');
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak was unlocked');
  const [entry] = auditOf(ctx.db, 'user.unlock');
  t.same(entry!.changes, { lockedUntil: [null, null], failedSigninCount: [3, 0] });

  await ctx.browser.post(`/users/${ctx.mira.id}/unlock`);
  t.match(await flashOf(ctx.browser, ctx.mira.id), 'Mira Novak is not locked.');
  t.equal(auditOf(ctx.db, 'user.unlock').length, 1);
});

t.test('nobody deactivates or blocks themselves', async (t) => {
  const ctx = await setUp(t);
  // A second superuser, so the refusal is about the account being one's own.
  addUser(ctx.db, { username: 'root2', adminRole: 'superuser' });
  for (const [url, fields] of [
    [`/users/${ctx.admin.id}/status`, { status: 'inactive' }],
    [`/users/${ctx.admin.id}/block`, {}],
  ] as const) {
    const res = await ctx.browser.post(url, fields);
    t.equal(res.statusCode, 303);
    t.match(await flashOf(ctx.browser, ctx.admin.id), 'You cannot');
  }
  const admin = reload(ctx.app, ctx.admin.id);
  t.equal(admin.status, 'active');
  t.equal(admin.blocked, false);
  t.equal((await ctx.browser.get('/users')).statusCode, 200, 'still signed in');
});

t.test('the last active superuser is never deactivated or blocked', async (t) => {
  const ctx = await setUp(t);
  const rita = addUser(ctx.db, { username: 'rita', fullName: 'Rita Root', adminRole: 'superuser' });
  await ctx.browser.post(`/users/${rita.id}/status`, { status: 'inactive' });
  t.equal(reload(ctx.app, rita.id).status, 'inactive', 'another active superuser remains: allowed');
  await ctx.browser.post(`/users/${rita.id}/status`, { status: 'active' });

  // Through the console the acting superuser always counts as the one who remains; the rule
  // bites when the actor's own account no longer does (deactivated while their request ran).
  ctx.db.update(users).set({ status: 'inactive' }).where(eq(users.id, ctx.admin.id)).run();
  const actor = ctx.admin;
  for (const action of ['deactivate', 'block'] as const) {
    const outcome = changeAccess(ctx.db, actor, rita.id, action, 'req');
    t.same(outcome && !outcome.done && !outcome.unchanged && outcome.refused, LAST_SUPERUSER, action);
  }
  const after = reload(ctx.app, rita.id);
  t.equal(after.status, 'active');
  t.equal(after.blocked, false);
  // A blocked superuser does not count either.
  ctx.db.update(users).set({ status: 'active', blocked: true }).where(eq(users.id, ctx.admin.id)).run();
  const outcome = changeAccess(ctx.db, actor, rita.id, 'block', 'req');
  t.same(outcome && !outcome.done && !outcome.unchanged && outcome.refused, LAST_SUPERUSER);
  t.ok(changeAccess(ctx.db, actor, rita.id, 'unlock', 'req'), 'actions that take nothing away are not refused');
});

t.test('out of scope, trashed or unknown users are not found; a missing CSRF token is refused', async (t) => {
  const ctx = await setUp(t);
  addUser(ctx.db, {
    username: 'helpdesk',
    adminRole: 'admin',
    adminPermissions: [...PERMISSIONS],
    passwordHash: await hashPassword(ADMIN_PASSWORD),
  });
  const scoped = new Client(ctx.app);
  await scoped.signIn('helpdesk');
  await scoped.get('/');
  const urls: [string, Record<string, string>][] = [
    [`/users/${ctx.mira.id}/status`, { status: 'inactive' }],
    [`/users/${ctx.mira.id}/block`, {}],
    [`/users/${ctx.mira.id}/unblock`, {}],
    [`/users/${ctx.mira.id}/unlock`, {}],
    [`/users/${ctx.mira.id}/sessions/abc/revoke`, {}],
  ];
  for (const [url, fields] of urls) {
    t.equal((await scoped.post(url, fields)).statusCode, 404, `scoped: ${url}`);
  }
  t.equal((await scoped.get(`/users/${ctx.mira.id}/advanced`)).statusCode, 404);

  const trashed = addUser(ctx.db, { username: 'gone', deletedAt: new Date() });
  t.equal((await ctx.browser.post(`/users/${trashed.id}/block`)).statusCode, 404, 'trashed');
  t.equal((await ctx.browser.post('/users/999999/block')).statusCode, 404, 'unknown');
  t.equal((await ctx.browser.post('/users/abc/block')).statusCode, 404, 'not an id');
  t.equal((await ctx.browser.get('/users/abc/advanced')).statusCode, 404);

  for (const [url, fields] of urls) {
    const res = await ctx.browser.post(url, { ...fields, _csrf: '' });
    t.equal(res.statusCode, 403, `no CSRF token: ${url}`);
  }
  const mira = reload(ctx.app, ctx.mira.id);
  t.equal(mira.status, 'active');
  t.equal(mira.blocked, false);
  t.equal(
    ctx.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.targetUserId, mira.id)))
      .all().length,
    0,
  );
});
