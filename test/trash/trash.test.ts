import { PERMISSIONS } from '../../src/db/schema.js';
import { actorOf } from '../../src/access/actor.js';
import { eq, sql } from 'drizzle-orm';
import t from 'tap';
import { hashPassword } from '../../src/auth/passwords.js';
import { buildApp } from '../../src/app.js';
import type { Db } from '../../src/db/connection.js';
import { auditEntries, users } from '../../src/db/schema.js';
import { purgeExpired, purgeUser, restoreUser } from '../../src/trash/trash-service.js';
import { Client, tempDir, testConfig } from '../helpers/app.js';
import { UsernameTakenError } from '../../src/user/user-writes.js';
import { addUser, signedInWithAnnAndBoss } from '../helpers/directory.js';

const DAY = 24 * 60 * 60 * 1000;

const setUp = signedInWithAnnAndBoss;

const row = (db: Db, id: number) => db.select().from(users).where(eq(users.id, id)).get();
const entries = (db: Db, action: string) => db.select().from(auditEntries).where(eq(auditEntries.action, action)).all();
const memberships = (db: Db, id: number) =>
  db.get<{ n: number }>(
    sql`select (select count(*) from user_groups where user_id = ${id}) +
               (select count(*) from user_teams where user_id = ${id}) as n`,
  )!.n;

async function trash(browser: Client, id: number) {
  await browser.get(`/users/${id}/delete`);
  return browser.post(`/users/${id}/delete`);
}

t.test('an empty trash says so', async (t) => {
  const ctx = await setUp(t);
  const page = await ctx.browser.get('/trash');
  t.equal(page.statusCode, 200);
  t.match(page.body, 'The trash is empty');
  t.match(page.body, '<a href="/trash" aria-current="page">Trash</a>');
});

t.test('the trash lists deleted users, newest deletion first, with who and how long is left', async (t) => {
  const ctx = await setUp(t);
  t.equal((await trash(ctx.browser, ctx.ann.id)).statusCode, 303);
  const old = addUser(ctx.db, { username: 'old', fullName: 'Old Timer', deletedAt: new Date(Date.now() - 25.5 * DAY) });
  const page = await ctx.browser.get('/trash');
  t.match(page.body, '<strong>2</strong> users in the trash');
  const annAt = page.body.indexOf('Ann Öberg');
  const oldAt = page.body.indexOf('Old Timer');
  t.ok(annAt > 0 && oldAt > annAt, 'newest deletion first');
  t.match(page.body, /Ann Öberg[\s\S]*?<td>Ada Admin<\/td>\s*<td>30<\/td>/, 'deleted by, days left');
  t.match(page.body, /Old Timer[\s\S]*?<td>—<\/td>\s*<td>5<\/td>/, 'no audit entry: nobody named');
  t.match(page.body, `action="/trash/${ctx.ann.id}/restore"`);
  t.match(page.body, `href="/trash/${old.id}/purge"`);
  t.notMatch((await ctx.browser.get('/users')).body, 'Old Timer');
  t.equal((await ctx.browser.get('/trash?page=7')).statusCode, 200, 'a page past the end shows the last');
});

t.test('restoring brings the user back with their memberships, audited', async (t) => {
  const ctx = await setUp(t);
  await trash(ctx.browser, ctx.ann.id);
  t.equal(memberships(ctx.db, ctx.ann.id), 2, 'memberships kept in the trash');
  await ctx.browser.get('/trash');
  const res = await ctx.browser.post(`/trash/${ctx.ann.id}/restore`);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/users/${ctx.ann.id}`);
  const ann = row(ctx.db, ctx.ann.id)!;
  t.equal(ann.deletedAt, null);
  t.equal(ann.version, 3, 'deleting and restoring each move the version on');
  t.equal(ann.username, 'ann');
  t.equal(memberships(ctx.db, ctx.ann.id), 2, 'memberships back');
  const page = await ctx.browser.get(`/users/${ctx.ann.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Ann Öberg was restored.');
  t.match(page.body, 'Sales');
  t.match((await ctx.browser.get('/users')).body, 'ann@example.com', 'back in the list');
  const [entry] = entries(ctx.db, 'user.restore');
  t.match(entry, { targetUserId: ctx.ann.id, targetName: 'Ann Öberg', actorName: 'Ada Admin' });
  t.equal(entry!.changes, null, 'nothing but the restore itself');
  t.equal((await ctx.browser.post(`/trash/${ctx.ann.id}/restore`)).statusCode, 404, 'no longer in the trash');
});

t.test('a username taken meanwhile is asked for again, and checked like the user form', async (t) => {
  const ctx = await setUp(t);
  await trash(ctx.browser, ctx.ann.id);
  // A trashed user's name is free again: someone else may take it.
  addUser(ctx.db, { username: 'ANN', fullName: 'Another Ann' });
  await ctx.browser.get('/trash');
  const ask = await ctx.browser.post(`/trash/${ctx.ann.id}/restore`);
  t.equal(ask.statusCode, 409);
  t.match(ask.body, 'now belongs to someone else');
  t.match(ask.body, 'name="username"');
  t.ok(row(ctx.db, ctx.ann.id)!.deletedAt, 'still in the trash');

  for (const [username, message] of [
    ['', 'Enter a username.'],
    ['ann smith', 'Use up to 64 letters, digits and . _ @ + - (no spaces).'],
    ['Boss', 'This username is already taken.'],
    ['ann', 'This username is already taken.'],
  ] as const) {
    const res = await ctx.browser.post(`/trash/${ctx.ann.id}/restore`, { username });
    t.equal(res.statusCode, 422, username);
    t.match(res.body, message);
  }
  t.ok(row(ctx.db, ctx.ann.id)!.deletedAt, 'nothing restored');

  const res = await ctx.browser.post(`/trash/${ctx.ann.id}/restore`, { username: 'ann.oberg' });
  t.equal(res.statusCode, 303);
  const ann = row(ctx.db, ctx.ann.id)!;
  t.match(ann, { username: 'ann.oberg', deletedAt: null });
  t.match(ann.searchDoc, 'ann.oberg', 'derived fields follow the new username');
  t.same(entries(ctx.db, 'user.restore')[0]!.changes!.username, ['ann', 'ann.oberg']);
});

t.test('deleting permanently has its own confirmation and keeps the audit trail', async (t) => {
  const ctx = await setUp(t);
  await trash(ctx.browser, ctx.ann.id);
  const confirm = await ctx.browser.get(`/trash/${ctx.ann.id}/purge`);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, 'Delete Ann Öberg permanently?');
  t.match(confirm.body, 'cannot be restored');
  t.ok(row(ctx.db, ctx.ann.id), 'showing the confirmation deletes nothing');
  const res = await ctx.browser.post(`/trash/${ctx.ann.id}/purge`);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/trash');
  t.equal(row(ctx.db, ctx.ann.id), undefined, 'gone');
  t.equal(memberships(ctx.db, ctx.ann.id), 0, 'memberships went with them');
  t.match((await ctx.browser.get('/trash')).body, 'Ann Öberg was deleted permanently.');
  t.match(entries(ctx.db, 'user.purge')[0], {
    targetUserId: ctx.ann.id,
    targetName: 'Ann Öberg',
    actorName: 'Ada Admin',
  });
  t.equal(entries(ctx.db, 'user.delete').length, 1, 'earlier entries stay');
  t.equal((await ctx.browser.get(`/trash/${ctx.ann.id}/purge`)).statusCode, 404);
});

t.test('live users are not in the trash: restore and purge find nobody', async (t) => {
  const ctx = await setUp(t);
  await ctx.browser.get('/trash');
  t.equal((await ctx.browser.get(`/trash/${ctx.ann.id}/purge`)).statusCode, 404);
  t.equal((await ctx.browser.post(`/trash/${ctx.ann.id}/purge`)).statusCode, 404);
  t.equal((await ctx.browser.post(`/trash/${ctx.ann.id}/restore`)).statusCode, 404);
  t.ok(row(ctx.db, ctx.ann.id));
  for (const url of ['/trash/abc/purge', '/trash/0/purge', '/trash/999999/purge']) {
    t.equal((await ctx.browser.get(url)).statusCode, 404, url);
  }
});

t.test('a user still named as supervisor cannot be deleted permanently', async (t) => {
  const ctx = await setUp(t);
  const boss = ctx.boss.id;
  // Ann (trashed) still names the boss as supervisor, and the boss went to the trash after her.
  await trash(ctx.browser, ctx.ann.id);
  await trash(ctx.browser, boss);
  const confirm = await ctx.browser.get(`/trash/${boss}/purge`);
  t.match(confirm.body, '1 user still names Bo Ssman as supervisor (in the list or in the trash).');
  t.match(confirm.body, '<li>Ann Öberg</li>');
  t.notMatch(confirm.body, 'button-danger" type="submit"');
  const res = await ctx.browser.post(`/trash/${boss}/purge`);
  t.equal(res.statusCode, 409);
  t.match(res.body, 'Give them another supervisor first.');
  t.ok(row(ctx.db, boss), 'kept');
  t.equal(entries(ctx.db, 'user.purge').length, 0);
});

t.test('purgeExpired removes only users trashed longer ago than the trash keeps them', async (t) => {
  const ctx = await setUp(t);
  const now = new Date('2030-06-30T12:00:00Z');
  const at = (days: number) => new Date(now.getTime() - days * DAY);
  const expired = addUser(ctx.db, { username: 'expired', fullName: 'Ex Pired', deletedAt: at(31), groups: ['Sales'] });
  const edge = addUser(ctx.db, { username: 'edge', deletedAt: at(30) });
  const recent = addUser(ctx.db, { username: 'recent', deletedAt: at(29) });
  // An expired supervisor of a user who stays is kept; expired users supervising each other go.
  const heldBoss = addUser(ctx.db, { username: 'held', deletedAt: at(40) });
  ctx.db.update(users).set({ supervisorId: heldBoss.id }).where(eq(users.id, recent.id)).run();
  const a = addUser(ctx.db, { username: 'a', deletedAt: at(50) });
  const b = addUser(ctx.db, { username: 'b', deletedAt: at(50), supervisorId: a.id });
  ctx.db.update(users).set({ supervisorId: b.id }).where(eq(users.id, a.id)).run();

  t.same(purgeExpired(ctx.db, 30, now), { purged: 4, kept: 1 });
  for (const gone of [expired, edge, a, b]) t.equal(row(ctx.db, gone.id), undefined, gone.username);
  for (const kept of [recent, heldBoss, ctx.ann]) t.ok(row(ctx.db, kept.id), kept.username);
  t.equal(memberships(ctx.db, expired.id), 0);
  const purges = entries(ctx.db, 'user.purge');
  t.equal(purges.length, 4);
  t.match(
    purges.find((e) => e.targetUserId === expired.id),
    {
      actorId: null,
      actorName: '',
      targetName: 'Ex Pired',
      detail: 'expired from the trash',
    },
  );
  t.same(purgeExpired(ctx.db, 30, now), { purged: 0, kept: 1 }, 'a second run has nothing new to do');
  t.same(purgeExpired(ctx.db, 30, at(-100)), { purged: 2, kept: 0 }, 'later, the rest expire too');
});

t.test('the purge runs when the application starts', async (t) => {
  const dir = tempDir(t);
  const first = await buildApp(testConfig(dir));
  const old = addUser(first.db, { username: 'old', deletedAt: new Date(Date.now() - 8 * DAY) });
  const young = addUser(first.db, { username: 'young', deletedAt: new Date(Date.now() - 6 * DAY) });
  await first.close();
  const second = await buildApp(testConfig(dir, { trashDays: 7 }));
  t.teardown(() => second.close());
  t.equal(row(second.db, old.id), undefined, 'expired: purged at start-up');
  t.ok(row(second.db, young.id), 'not yet expired');
});

t.test('the trash is for superusers: a scoped administrator sees and reaches nobody', async (t) => {
  const ctx = await setUp(t);
  await trash(ctx.browser, ctx.ann.id);
  const password = 'a long helper passphrase';
  addUser(ctx.db, {
    username: 'helper',
    adminRole: 'admin',
    adminPermissions: [...PERMISSIONS],
    passwordHash: await hashPassword(password),
  });
  const scoped = new Client(ctx.app);
  await scoped.signIn('helper', password);
  const page = await scoped.get('/trash');
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, 'Ann Öberg');
  t.match(page.body, 'You see deleted users from your scope here, and there are none.');
  t.equal((await scoped.get(`/trash/${ctx.ann.id}/purge`)).statusCode, 404);
  t.equal((await scoped.post(`/trash/${ctx.ann.id}/purge`)).statusCode, 404);
  t.equal((await scoped.post(`/trash/${ctx.ann.id}/restore`)).statusCode, 404);
  t.ok(row(ctx.db, ctx.ann.id)!.deletedAt, 'untouched');
});

t.test('restoring and purging need the CSRF token', async (t) => {
  const ctx = await setUp(t);
  await trash(ctx.browser, ctx.ann.id);
  await ctx.browser.get('/trash');
  t.equal((await ctx.browser.post(`/trash/${ctx.ann.id}/restore`, { _csrf: '' })).statusCode, 403);
  t.equal((await ctx.browser.post(`/trash/${ctx.ann.id}/purge`, { _csrf: 'forged' })).statusCode, 403);
  t.ok(row(ctx.db, ctx.ann.id)!.deletedAt, 'still in the trash');
});

t.test('names in the trash are escaped', async (t) => {
  const ctx = await setUp(t);
  const evil = addUser(ctx.db, {
    username: 'evil',
    fullName: '<script>alert(1)</script>',
    email: '"><img src=x onerror=alert(2)>@x.io',
    deletedAt: new Date(),
  });
  for (const url of ['/trash', `/trash/${evil.id}/purge`]) {
    const page = await ctx.browser.get(url);
    t.notMatch(page.body, '<script>alert(1)', url);
    t.notMatch(page.body, '<img src=x', url);
    t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt;', url);
  }
  addUser(ctx.db, { username: 'EVIL' });
  const ask = await ctx.browser.post(`/trash/${evil.id}/restore`, { username: '<b>bold' });
  t.equal(ask.statusCode, 422);
  t.notMatch(ask.body, '<b>bold');
  t.match(ask.body, 'value="&lt;b&gt;bold"');
});

t.test('the writes re-check inside their transaction', async (t) => {
  const ctx = await setUp(t);
  const actor = actorOf(ctx.db, row(ctx.db, ctx.admin.id)!)!;
  await trash(ctx.browser, ctx.ann.id);
  addUser(ctx.db, { username: 'Ann' });
  const caught = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return undefined;
  };
  t.ok(caught(() => restoreUser(ctx.db, actor, ctx.ann.id, undefined, 'req')) instanceof UsernameTakenError);
  t.throws(() => restoreUser(ctx.db, actor, ctx.boss.id, undefined, 'req'), { name: 'NotFoundError' });
  t.throws(() => purgeUser(ctx.db, actor, ctx.boss.id, 'req'), { name: 'NotFoundError' });
  t.ok(row(ctx.db, ctx.ann.id)!.deletedAt);
  t.ok(row(ctx.db, ctx.boss.id));
});
