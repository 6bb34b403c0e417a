import t from 'tap';
import { sql } from 'drizzle-orm';
import { addUser } from '../helpers/directory.js';
import { Client, ADMIN_PASSWORD } from '../helpers/app.js';
import { signedInClient } from '../helpers/portal.js';
import { auditCount, bulkTeam, finishedJob, storedUser, ticked } from '../helpers/bulk.js';
import { verifyPassword } from '../../src/auth/passwords.js';

t.test('deactivate the selection: the actor is refused, the others change and are signed out', async (t) => {
  const ctx = await bulkTeam(t);
  ctx.db.run(
    sql`update users set password_hash = (select password_hash from users where username = 'admin') where id = ${ctx.cy.id}`,
  );
  await signedInClient(ctx.app, 'cy', ADMIN_PASSWORD);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from sessions where user_id = ${ctx.cy.id}`)!.n, 1);

  const confirm = await ctx.browser.post('/users/bulk', ticked('deactivate', ctx.admin.id, ctx.ann.id, ctx.cy.id));
  t.match(confirm.body, /<strong>2 users<\/strong> will change, of 3 users selected/);
  t.match(confirm.body, /You cannot deactivate your own account/);
  const before = auditCount(ctx.app, 'user.status');
  const started = await ctx.browser.post(
    '/users/bulk/apply',
    ticked('deactivate', ctx.admin.id, ctx.ann.id, ctx.cy.id),
  );
  const { page } = await finishedJob(ctx.app, ctx.browser, started);
  t.match(page.body, /2 users deactivated/);
  t.match(page.body, /You cannot deactivate your own account/, 'the summary names the refused');
  t.equal(storedUser(ctx.db, ctx.cy.id).status, 'inactive');
  t.equal(storedUser(ctx.db, ctx.admin.id).status, 'active');
  t.equal(auditCount(ctx.app, 'user.status') - before, 2);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from sessions where user_id = ${ctx.cy.id}`)!.n, 0);
});

t.test('block, unblock, unlock, activate and expire password each act on the selection', async (t) => {
  const ctx = await bulkTeam(t);
  const ids = [ctx.ann.id, ctx.cy.id];
  ctx.db.run(
    sql`update users set locked_until = ${Date.now() + 60_000}, failed_signin_count = 10 where id = ${ctx.ann.id}`,
  );
  const run = async (action: string) =>
    finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/apply', ticked(action, ...ids)));

  await run('block');
  t.same([storedUser(ctx.db, ctx.ann.id).blocked, storedUser(ctx.db, ctx.cy.id).blocked], [1, 1]);
  await run('unblock');
  t.same([storedUser(ctx.db, ctx.ann.id).blocked, storedUser(ctx.db, ctx.cy.id).blocked], [0, 0]);
  const unlocked = await run('unlock');
  t.match(unlocked.page.body, /1 user unlocked/, 'only the locked user changes');
  t.equal(storedUser(ctx.db, ctx.ann.id).locked_until, null);
  await run('expire');
  t.ok(Number(storedUser(ctx.db, ctx.cy.id).password_expires_at) <= Date.now());
  const entry = ctx.db.get<{ changes: string }>(
    sql`select changes from audit_entries where action = 'user.password' and target_user_id = ${ctx.cy.id}`,
  )!;
  t.same(JSON.parse(entry.changes), { passwordState: ['set', 'expired'] });
});

t.test('bulk delete: confirmation names them, refuses supervisors of others, then the batch restores', async (t) => {
  const ctx = await bulkTeam(t);
  const confirm = await ctx.browser.post('/users/bulk', ticked('delete', ctx.boss.id, ctx.cy.id, ctx.admin.id));
  t.match(confirm.body, /<strong>1 user<\/strong> will change, of 3 users selected/);
  t.match(confirm.body, /Supervises users who are not being deleted/);
  t.match(confirm.body, /You cannot delete your own account/);
  t.match(confirm.body, /Cy Nordin/);

  const together = await ctx.browser.post('/users/bulk', ticked('delete', ctx.boss.id, ctx.ann.id));
  t.match(together.body, /<strong>2 users<\/strong> will change/, 'a supervisor goes with everyone they supervise');

  const deleted = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('delete', ctx.boss.id, ctx.ann.id, ctx.cy.id)),
  );
  t.match(deleted.page.body, /3 users moved to the trash/);
  t.equal(auditCount(ctx.app, 'user.delete'), 3);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users where deleted_at is not null`)!.n, 3);
  const list = await ctx.browser.get('/users');
  t.notMatch(list.body, /Cy Nordin/);

  const restoreAt = /name="deletedAt" value="(\d+)"/.exec(deleted.page.body)![1]!;
  const restored = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/trash/restore', { deletedAt: restoreAt }),
  );
  t.match(restored.page.body, /3 users restored/);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users where deleted_at is not null`)!.n, 0);
  t.equal(auditCount(ctx.app, 'user.restore'), 3);
});

t.test('restoring refuses a user whose username was taken meanwhile', async (t) => {
  const ctx = await bulkTeam(t);
  await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/apply', ticked('delete', ctx.cy.id)));
  addUser(ctx.db, { username: 'CY', firstName: 'Cyrus' });
  const restored = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/trash/restore', [['id', String(ctx.cy.id)]]),
  );
  t.match(restored.page.body, /0 users restored/);
  t.match(restored.page.body, /Their username has been taken since/);
});

t.test('bulk reset: temporary passwords shown once, downloadable once as CSV, sessions ended', async (t) => {
  const ctx = await bulkTeam(t);
  const confirm = await ctx.browser.post('/users/bulk', ticked('reset', ctx.ann.id, ctx.cy.id, ctx.admin.id));
  t.match(confirm.body, /Change your own password from your account instead/);
  const { page, id } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('reset', ctx.ann.id, ctx.cy.id)),
  );
  t.match(page.body, /2 users got a temporary password/);
  t.equal(page.headers['cache-control'], 'no-store');
  const shown = [...page.body.matchAll(/<code>([A-Za-z0-9-]{23})<\/code>/g)].map((m) => m[1]!);
  t.equal(shown.length, 2);
  const cy = storedUser(ctx.db, ctx.cy.id);
  t.equal(cy.must_change_password, 1);
  t.ok(
    (await verifyPassword(String(cy.password_hash), shown[1]!)) ||
      (await verifyPassword(String(cy.password_hash), shown[0]!)),
  );

  const again = await ctx.browser.get(`/jobs/${id}`);
  t.notMatch(again.body, /<code>[A-Za-z0-9-]{23}<\/code>/, 'shown once');
  const csv = await ctx.browser.get(`/jobs/${id}/passwords.csv`);
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
  t.match(csv.body, /Username,Name,Email,Temporary password/);
  t.ok(csv.body.startsWith('\ufeff'), 'with a byte-order mark, so a spreadsheet reads names as UTF-8');
  const cyLine = csv.body.split('\n').find((line) => line.startsWith('cy,'))!;
  t.ok(
    shown.some((p) => cyLine === `cy,Cy Nordin,cy@example.com,${p}`),
    'each user on a line with their password',
  );
  const second = await ctx.browser.get(`/jobs/${id}/passwords.csv`);
  t.equal(second.statusCode, 302, 'downloadable once');

  ctx.db.run(
    sql`update users set admin_role = 'superuser', password_hash = (select password_hash from users where username = 'admin') where id = ${ctx.boss.id}`,
  );
  const other = new Client(ctx.app);
  await other.signIn('boss');
  t.equal((await other.get(`/jobs/${id}`)).statusCode, 404, 'another administrator does not see the job');
});
