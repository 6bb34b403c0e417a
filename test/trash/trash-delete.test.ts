import { LAST_SUPERUSER } from '../../src/access/policy.js';
import { actorOf } from '../../src/access/actor.js';
import { eq, sql } from 'drizzle-orm';
import t from 'tap';
import { auditEntries, sessions, users } from '../../src/db/schema.js';
import { addUser, signedInWithAnnAndBoss, signedInHelper } from '../helpers/directory.js';
import { reviewDeletion, trashUser } from '../../src/trash/trash-service.js';

const setUp = signedInWithAnnAndBoss;

const row = (db: Awaited<ReturnType<typeof setUp>>['db'], id: number) =>
  db.select().from(users).where(eq(users.id, id)).get()!;
const entries = (db: Awaited<ReturnType<typeof setUp>>['db'], action: string) =>
  db.select().from(auditEntries).where(eq(auditEntries.action, action)).all();

t.test('the user page links to a confirmation that names the user', async (t) => {
  const ctx = await setUp(t);
  const page = await ctx.browser.get(`/users/${ctx.ann.id}`);
  t.match(page.body, `href="/users/${ctx.ann.id}/delete">Delete</a>`);
  const confirm = await ctx.browser.get(`/users/${ctx.ann.id}/delete`);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, '<h1 id="confirm-heading">Delete Ann Öberg?</h1>');
  t.match(confirm.body, 'can be restored for 30 days');
  t.match(confirm.body, '<button class="button button-danger" type="submit">Delete Ann Öberg</button>');
  t.equal(row(ctx.db, ctx.ann.id).deletedAt, null, 'showing the confirmation changes nothing');
});

t.test('deleting moves the user to the trash, keeps their data and is audited', async (t) => {
  const ctx = await setUp(t);
  await ctx.browser.get(`/users/${ctx.ann.id}/delete`);
  const res = await ctx.browser.post(`/users/${ctx.ann.id}/delete`);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/users');
  const ann = row(ctx.db, ctx.ann.id);
  t.ok(ann.deletedAt instanceof Date, 'in the trash');
  t.equal(ann.version, 2, 'the version moves on');
  t.equal(ann.updatedBy, ctx.admin.id);
  t.equal(ann.email, 'ann@example.com', 'details kept');
  const memberships = ctx.db.get<{ n: number }>(
    sql`select (select count(*) from user_groups where user_id = ${ctx.ann.id}) +
               (select count(*) from user_teams where user_id = ${ctx.ann.id}) as n`,
  );
  t.equal(memberships!.n, 2, 'memberships kept');

  const list = await ctx.browser.get('/users');
  t.match(list.body, 'Ann Öberg was moved to the Trash, where they can be restored for 30 days.');
  t.notMatch(list.body, 'ann@example.com', 'gone from the list');
  t.equal((await ctx.browser.get(`/users/${ctx.ann.id}`)).statusCode, 404, 'gone by URL');
  t.equal((await ctx.browser.get(`/users/${ctx.ann.id}/delete`)).statusCode, 404, 'cannot be deleted twice');
  const overview = (await ctx.browser.get('/')).body;
  t.match(overview, /<h3>Users<\/h3>\s*<p class="tile-figure">2<\/p>/, 'not counted');

  const [entry, ...more] = entries(ctx.db, 'user.delete');
  t.equal(more.length, 0);
  t.match(entry, { targetUserId: ctx.ann.id, targetName: 'Ann Öberg', actorId: ctx.admin.id, actorName: 'Ada Admin' });
  t.ok(entry!.requestId);
});

t.test('deleting ends the user’s sessions', async (t) => {
  const ctx = await setUp(t);
  const { user: helper, client: other } = await signedInHelper(ctx.app, 'superuser');
  t.equal((await other.get('/users')).statusCode, 200);
  t.ok(ctx.db.select().from(sessions).where(eq(sessions.userId, helper.id)).get(), 'signed in');
  await ctx.browser.get(`/users/${helper.id}/delete`);
  t.equal((await ctx.browser.post(`/users/${helper.id}/delete`)).statusCode, 303);
  t.equal(ctx.db.select().from(sessions).where(eq(sessions.userId, helper.id)).all().length, 0, 'sessions ended');
  const after = await other.get('/users');
  t.equal(after.statusCode, 302, 'sent back to sign in');
  t.match(after.headers.location, /^\/signin/);
});

t.test('administrators cannot delete themselves', async (t) => {
  const ctx = await setUp(t);
  addUser(ctx.db, { username: 'second', adminRole: 'superuser' });
  const confirm = await ctx.browser.get(`/users/${ctx.admin.id}/delete`);
  t.match(confirm.body, 'You cannot delete your own account while signed in with it.');
  t.notMatch(confirm.body, 'button-danger" type="submit"', 'no Delete button');
  const res = await ctx.browser.post(`/users/${ctx.admin.id}/delete`);
  t.equal(res.statusCode, 409);
  t.match(res.body, 'You cannot delete your own account');
  t.equal(row(ctx.db, ctx.admin.id).deletedAt, null);
  t.equal(entries(ctx.db, 'user.delete').length, 0);
});

t.test('the last active superuser cannot be deleted', async (t) => {
  const ctx = await setUp(t);
  const alone = await ctx.browser.get(`/users/${ctx.admin.id}/delete`);
  t.match(alone.body, LAST_SUPERUSER);
  t.match(alone.body, 'You cannot delete your own account');

  // A superuser who cannot sign in does not count: leaving only them would lock everyone out.
  const root = addUser(ctx.db, { username: 'root', fullName: 'Root', adminRole: 'superuser' });
  addUser(ctx.db, { username: 'blocked', adminRole: 'superuser', blocked: true });
  addUser(ctx.db, { username: 'asleep', adminRole: 'superuser', status: 'inactive' });
  addUser(ctx.db, { username: 'gone', adminRole: 'superuser', deletedAt: new Date() });
  const someone = actorOf(ctx.db, { ...row(ctx.db, ctx.boss.id), adminRole: 'superuser' })!;
  t.same(reviewDeletion(ctx.db, someone, row(ctx.db, root.id)).reasons, [], 'the signed-in superuser remains');
  ctx.db.update(users).set({ status: 'inactive' }).where(eq(users.id, ctx.admin.id)).run();
  t.same(reviewDeletion(ctx.db, someone, row(ctx.db, root.id)).reasons, [LAST_SUPERUSER]);
  t.throws(
    () => trashUser(ctx.db, someone, root.id, undefined, 'req'),
    { name: 'RefusedError' },
    'refused by the write too',
  );
  t.equal(row(ctx.db, root.id).deletedAt, null);

  ctx.db.update(users).set({ status: 'active' }).where(eq(users.id, ctx.admin.id)).run();
  const page = await ctx.browser.get(`/users/${root.id}/delete`);
  t.notMatch(page.body, 'last active superuser', 'with another active superuser, deleting is allowed');
  t.equal((await ctx.browser.post(`/users/${root.id}/delete`)).statusCode, 303);
});

t.test('a supervisor is deleted only after their reports move, in one audited step', async (t) => {
  const ctx = await setUp(t);
  const rep = addUser(ctx.db, { username: 'rep', firstName: 'Rae', lastName: 'Port', supervisorId: ctx.ann.id });
  const sub = addUser(ctx.db, { username: 'sub', firstName: 'Sue', lastName: 'Bordinate', supervisorId: rep.id });
  const confirm = await ctx.browser.get(`/users/${ctx.ann.id}/delete`);
  t.match(confirm.body, 'supervises <strong>1</strong> user.');
  t.match(confirm.body, `<a href="/users/${rep.id}">Rae Port</a>`);
  t.match(confirm.body, 'name="supervisor"');
  t.match(confirm.body, `hx-vals='{"except": "${ctx.ann.id}"}'`);

  const plain = await ctx.browser.post(`/users/${ctx.ann.id}/delete`);
  t.equal(plain.statusCode, 409, 'deleting without moving is refused');
  t.match(plain.body, 'Ann Öberg supervises 1 user: move them to another supervisor first.');
  t.equal(row(ctx.db, ctx.ann.id).deletedAt, null);

  for (const [supervisor, message] of [
    ['', 'Choose the new supervisor from the suggestions.'],
    ['Nobody (999999)', 'Choose the new supervisor from the suggestions.'],
    [`Ann Öberg (${ctx.ann.id})`, 'Choose someone other than Ann Öberg.'],
    [`Rae Port (${rep.id})`, 'Choose someone who does not report to Ann Öberg, directly or through others.'],
    [`Sue Bordinate (${sub.id})`, 'Choose someone who does not report to Ann Öberg, directly or through others.'],
  ] as const) {
    const res = await ctx.browser.post(`/users/${ctx.ann.id}/delete`, { supervisor });
    t.equal(res.statusCode, 422, supervisor);
    t.match(res.body, message);
    t.match(res.body, 'aria-invalid="true"');
  }
  t.equal(row(ctx.db, ctx.ann.id).deletedAt, null, 'nothing written');
  t.equal(entries(ctx.db, 'user.update').length, 0);

  const moved = await ctx.browser.post(`/users/${ctx.ann.id}/delete`, { supervisor: `Bo Ssman (${ctx.boss.id})` });
  t.equal(moved.statusCode, 303);
  t.ok(row(ctx.db, ctx.ann.id).deletedAt, 'deleted');
  const report = row(ctx.db, rep.id);
  t.match(report, { supervisorId: ctx.boss.id, supervisorSort: 'bo ssman', version: 2, updatedBy: ctx.admin.id });
  t.match(report.searchDoc, 'bo ssman', 'the search document names the new supervisor');
  t.equal(row(ctx.db, sub.id).supervisorId, rep.id, 'only direct reports move');
  const [update, ...others] = entries(ctx.db, 'user.update');
  t.equal(others.length, 0);
  t.match(update, {
    targetUserId: rep.id,
    changes: { supervisor: ['Ann Öberg · ann@example.com · Sales', 'Bo Ssman · boss'] },
    detail: 'Moved to a new supervisor before Ann Öberg was deleted',
  });
  t.match(entries(ctx.db, 'user.delete')[0], { targetUserId: ctx.ann.id, detail: '1 supervised user moved first' });
});

t.test('the move is refused inside the transaction when the rules changed meanwhile', async (t) => {
  const ctx = await setUp(t);
  const someone = actorOf(ctx.db, row(ctx.db, ctx.admin.id))!;
  t.throws(
    () => trashUser(ctx.db, someone, ctx.boss.id, undefined, 'req'),
    { name: 'RefusedError' },
    'a report appeared',
  );
  t.throws(() => trashUser(ctx.db, someone, 999999, undefined, 'req'), { name: 'NotFoundError' });
  t.equal(row(ctx.db, ctx.boss.id).deletedAt, null);
  t.equal(row(ctx.db, ctx.ann.id).supervisorId, ctx.boss.id);
});

t.test('outside the scope, deleting finds nobody', async (t) => {
  const ctx = await setUp(t);
  const { client: scoped } = await signedInHelper(ctx.app);
  await scoped.get('/trash');
  t.equal((await scoped.get(`/users/${ctx.ann.id}/delete`)).statusCode, 404);
  const res = await scoped.post(`/users/${ctx.ann.id}/delete`);
  t.equal(res.statusCode, 404);
  t.equal(row(ctx.db, ctx.ann.id).deletedAt, null);
  for (const url of ['/users/abc/delete', '/users/0/delete', '/users/999999/delete']) {
    t.equal((await ctx.browser.get(url)).statusCode, 404, url);
  }
});

t.test('deleting needs the CSRF token', async (t) => {
  const ctx = await setUp(t);
  await ctx.browser.get(`/users/${ctx.ann.id}/delete`);
  const res = await ctx.browser.post(`/users/${ctx.ann.id}/delete`, { _csrf: '' });
  t.equal(res.statusCode, 403);
  t.equal(row(ctx.db, ctx.ann.id).deletedAt, null);
});

t.test('names on the confirmation are escaped', async (t) => {
  const ctx = await setUp(t);
  const evil = addUser(ctx.db, { username: 'evil', fullName: '<script>alert(1)</script>' });
  addUser(ctx.db, { username: 'minion', fullName: '<img src=x onerror=alert(2)>', supervisorId: evil.id });
  const page = await ctx.browser.get(`/users/${evil.id}/delete`);
  t.notMatch(page.body, '<script>alert(1)');
  t.notMatch(page.body, '<img src=x');
  t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt;');
  const refused = await ctx.browser.post(`/users/${evil.id}/delete`, { supervisor: '<b>x' });
  t.notMatch(refused.body, '<b>x');
  t.match(refused.body, 'value="&lt;b&gt;x"');
});
