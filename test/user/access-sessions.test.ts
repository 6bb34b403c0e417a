import { eq } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { auditEntries, sessions, users } from '../../src/db/schema.js';
import { HISTORY_SIZE, passwordState } from '../../src/user/access-info.js';
import { sessionHandle } from '../../src/user/access-writes.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, reload, signedInClient } from '../helpers/portal.js';

async function setUp(t: Test) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const mira = await addManagedUser(app, { createdBy: admin.id, updatedBy: admin.id });
  const browser = new Client(app);
  await browser.signIn();
  await browser.get(`/users/${mira.id}`);
  return { app, db: app.db, admin, mira, browser };
}

const sessionsOf = (ctx: { db: Awaited<ReturnType<typeof setUp>>['db'] }, userId: number) =>
  ctx.db.select().from(sessions).where(eq(sessions.userId, userId)).all();

for (const [what, url, fields] of [
  ['blocking', 'block', {}],
  ['deactivating', 'status', { status: 'inactive' }],
] as const) {
  t.test(`${what} a user ends their portal sessions at once`, async (t) => {
    const ctx = await setUp(t);
    const portal = await signedInClient(ctx.app);
    const other = await signedInClient(ctx.app);
    t.equal((await portal.get('/account')).statusCode, 200);
    t.equal(sessionsOf(ctx, ctx.mira.id).length, 2);

    await ctx.browser.post(`/users/${ctx.mira.id}/${url}`, fields);
    t.equal(sessionsOf(ctx, ctx.mira.id).length, 0, 'the session rows are gone, not merely refused');
    t.match((await ctx.browser.get(`/users/${ctx.mira.id}`)).body, 'and signed out of 2 sessions');
    const [entry] = ctx.db.select().from(auditEntries).where(eq(auditEntries.targetUserId, ctx.mira.id)).all();
    t.equal(entry!.detail, '2 sessions ended');

    // Undo the change: the sessions stay ended, so it was not only the guard turning them away.
    ctx.db.update(users).set({ status: 'active', blocked: false }).where(eq(users.id, ctx.mira.id)).run();
    for (const client of [portal, other]) {
      const res = await client.get('/account');
      t.equal(res.statusCode, 302);
      t.match(res.headers.location, /^\/login/);
    }
    t.equal(sessionsOf(ctx, ctx.admin.id).length, 1, "the administrator's own session is untouched");
  });
}

t.test('the advanced section lists open sessions; Revoke ends only that one', async (t) => {
  const ctx = await setUp(t);
  const first = await signedInClient(ctx.app);
  const firstSid = sessionsOf(ctx, ctx.mira.id)[0]!.sid;
  const second = await signedInClient(ctx.app);
  // An expired row is not an open session.
  ctx.db
    .insert(sessions)
    .values({ sid: 'old', userId: ctx.mira.id, data: '{"accountId":2}', expiresAt: new Date(Date.now() - 1000) })
    .run();

  const fragment = await ctx.browser.get(`/users/${ctx.mira.id}/advanced`, {
    'hx-request': 'true',
    'hx-request-type': 'partial',
  });
  t.equal(fragment.statusCode, 200);
  t.notMatch(fragment.body, '<html', 'a fragment for htmx');
  t.match(fragment.headers.vary, /HX-Request-Type/);
  t.equal(fragment.body.match(/Account portal/g)?.length, 2);
  const handles = [...fragment.body.matchAll(/\/sessions\/([0-9a-f]+)\/revoke/g)].map((m) => m[1]!);
  t.equal(handles.length, 2);
  const rows = sessionsOf(ctx, ctx.mira.id).filter((r) => r.sid !== 'old');
  for (const row of rows) t.notMatch(fragment.body, row.sid, 'session ids never reach the page');

  const target = sessionHandle(firstSid);
  t.ok(handles.includes(target));
  const res = await ctx.browser.post(`/users/${ctx.mira.id}/sessions/${target}/revoke`);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/users/${ctx.mira.id}`);
  t.match((await ctx.browser.get(`/users/${ctx.mira.id}`)).body, 'The session was ended.');
  t.equal((await first.get('/account')).statusCode, 302, 'the revoked session is signed out');
  t.equal((await second.get('/account')).statusCode, 200, 'the other session goes on');
  const [entry] = ctx.db.select().from(auditEntries).where(eq(auditEntries.action, 'user.update')).all();
  t.equal(entry!.detail, 'session revoked');
  t.equal(entry!.targetUserId, ctx.mira.id);

  // A handle of someone else's session, under Mira's URL, ends nothing.
  const adminSid = sessionsOf(ctx, ctx.admin.id)[0]!.sid;
  await ctx.browser.post(`/users/${ctx.mira.id}/sessions/${sessionHandle(adminSid)}/revoke`);
  t.equal(sessionsOf(ctx, ctx.admin.id).length, 1, "the administrator's session survives");
  t.match((await ctx.browser.get(`/users/${ctx.mira.id}`)).body, 'That session had already ended.');
  t.equal(ctx.db.select().from(auditEntries).where(eq(auditEntries.action, 'user.update')).all().length, 1);
});

t.test('the advanced page: who created and changed the user, password state, history', async (t) => {
  const ctx = await setUp(t);
  await ctx.browser.post(`/users/${ctx.mira.id}/block`);
  await ctx.browser.post(`/users/${ctx.mira.id}/unblock`);

  const page = await ctx.browser.get(`/users/${ctx.mira.id}/advanced`);
  t.equal(page.statusCode, 200);
  t.match(page.body, '<html', 'opened directly, a whole page');
  t.match(page.body, /Created<\/dt><dd>[^<]+ by Ada Admin/);
  t.match(page.body, /Updated<\/dt><dd>[^<]+ by Ada Admin/);
  t.match(page.body, /Last sign-in<\/dt><dd>Never/);
  t.match(page.body, /Password<\/dt><dd class="password-state">Set</);
  t.match(page.body, 'No open sessions.');
  t.match(
    page.body,
    /User unblocked[\s\S]*Blocked: Yes → No[\s\S]*User blocked[\s\S]*Blocked: No → Yes/,
    'newest first',
  );
  t.match(page.body, 'href="/audit?target=Mira%20Novak"');
  t.match(page.body, 'See it in the audit log');

  // Twenty more entries: unlock clears failures, so each round needs one to clear.
  for (let i = 0; i < HISTORY_SIZE; i++) {
    ctx.db.update(users).set({ failedSigninCount: 1 }).where(eq(users.id, ctx.mira.id)).run();
    await ctx.browser.post(`/users/${ctx.mira.id}/unlock`);
  }
  const long = await ctx.browser.get(`/users/${ctx.mira.id}/advanced`);
  t.equal(long.body.match(/<li>\s*<p><strong>/g)?.length, HISTORY_SIZE, 'the newest twenty');
  t.match(long.body, 'Older entries in the audit log');

  const user = reload(ctx.app, ctx.mira.id);
  const now = new Date();
  t.equal(passwordState({ ...user, passwordHash: null }, now), 'none');
  t.equal(passwordState({ ...user, mustChangePassword: true }, now), 'must change');
  t.equal(passwordState({ ...user, passwordExpiresAt: new Date(now.getTime() - 1) }, now), 'expired');
  t.equal(passwordState({ ...user, passwordExpiresAt: new Date(now.getTime() + 60_000) }, now), 'set');
});

t.test('the user page loads the advanced section with htmx, and links to it without', async (t) => {
  const ctx = await setUp(t);
  const page = await ctx.browser.get(`/users/${ctx.mira.id}`);
  t.match(page.body, `hx-get="/users/${ctx.mira.id}/advanced" hx-trigger="load"`);
  t.match(page.body, `<a href="/users/${ctx.mira.id}/advanced">`);
});
