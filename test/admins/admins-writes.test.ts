import t from 'tap';
import { eq } from 'drizzle-orm';
import { adminScopes, sessions, users } from '../../src/db/schema.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { Client } from '../helpers/app.js';
import { addUser, signedInHelper } from '../helpers/directory.js';
import { addScopedAdmin, auditOf, superuserWithDirectory } from './fixture.js';

const NEW_PASSWORD = 'a long new passphrase';

t.test('an existing user is made a scoped administrator, audited in words', async (t) => {
  const ctx = await superuserWithDirectory(t);
  const form = await ctx.browser.get('/admins/grant');
  t.match(form.body, 'hx-get="/users/supervisors"', 'the picker suggests users by name');
  t.match(
    form.body,
    '<label class="choice"><input type="checkbox" name="permissions" value="view"> View users</label>',
  );
  t.match(form.body, 'Passwords and access (status, block, unlock, reset, expire)');
  const suggestions = await ctx.browser.get('/users/supervisors?user=ob');
  t.match(suggestions.body, '<option value="Ann Öberg · ann@example.com · Sales">');

  const res = await ctx.browser.post('/admins/grant', [
    ['user', 'Ann Öberg · ann@example.com · Sales'],
    ['role', 'admin'],
    ['groups', String(ctx.ids.sales)],
    ['groups', String(ctx.ids.support)],
    ['territories', String(ctx.ids.nordics)],
    ['permissions', 'view'],
    ['permissions', 'edit'],
  ]);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/admins');
  const ann = ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!;
  t.equal(ann.adminRole, 'admin');
  t.same(ann.adminPermissions, ['view', 'edit']);
  t.equal(ann.updatedBy, ctx.admin.id);
  const scope = ctx.db.select().from(adminScopes).where(eq(adminScopes.adminId, ctx.ann.id)).all();
  t.same(
    scope.map((s) => [s.kind, s.refId]).sort(),
    [
      ['groups', ctx.ids.sales],
      ['groups', ctx.ids.support],
      ['territories', ctx.ids.nordics],
    ].sort(),
  );
  const [entry, ...more] = auditOf(ctx.db, 'admin.grant');
  t.equal(more.length, 0);
  t.match(entry, { actorId: ctx.admin.id, targetUserId: ctx.ann.id, targetName: 'Ann Öberg' });
  t.same(entry!.changes, {
    role: [null, 'Scoped administrator'],
    scope: [null, 'Groups: Sales, Support · Territories: Nordics'],
    permissions: [null, 'View users; Create and edit users'],
  });
  const list = await ctx.browser.get('/admins');
  t.match(list.body, 'Ann Öberg is now an administrator.');
  t.match(list.body, `<a href="/users/${ctx.ann.id}">Ann Öberg</a>`);
});

t.test('the picker refuses nobody, an administrator, and ids not on the lists; input is kept', async (t) => {
  const ctx = await superuserWithDirectory(t);
  await ctx.browser.get('/admins/grant');
  const nobody = await ctx.browser.post('/admins/grant', { user: 'Someone', role: 'admin' });
  t.equal(nobody.statusCode, 422);
  t.match(nobody.body, 'Choose a user from the suggestions.');
  t.match(nobody.body, 'value="Someone"', 'what was typed is kept');
  const already = await ctx.browser.post('/admins/grant', { user: `Ada Admin (${ctx.admin.id})`, role: 'admin' });
  t.match(already.body, 'This user is already an administrator');
  const made_up = await ctx.browser.post('/admins/grant', [
    ['user', 'Ann Öberg · ann@example.com · Sales'],
    ['role', 'admin'],
    ['groups', '9999'],
    ['permissions', 'view'],
    ['permissions', 'everything'],
  ]);
  t.equal(made_up.statusCode, 422);
  t.match(made_up.body, 'Choose only from the list.');
  t.match(made_up.body, 'Choose only from the permissions listed.');
  t.match(made_up.body, 'value="view" checked', 'ticked boxes stay ticked');
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.adminRole, null, 'nothing written');
  t.equal(auditOf(ctx.db, 'admin.grant').length, 0);
});

t.test('a new administrator account is created with a password that follows the policy', async (t) => {
  const ctx = await superuserWithDirectory(t);
  await ctx.browser.get('/admins/new');
  const weak = await ctx.browser.post('/admins', {
    username: 'boss',
    fullName: 'Cleo Clerk',
    email: 'not-an-address',
    password: 'short',
    passwordConfirmation: 'short',
    role: 'admin',
  });
  t.equal(weak.statusCode, 422);
  t.match(weak.body, 'This username is already taken.');
  t.match(weak.body, 'Enter an email address like name@example.com.');
  t.match(weak.body, 'Use at least 12 characters.');
  t.match(weak.body, 'value="Cleo Clerk"', 'input kept');
  t.notMatch(weak.body, 'value="short"', 'the password is never sent back');

  const res = await ctx.browser.post('/admins', [
    ['username', 'cleo'],
    ['fullName', 'Cleo Clerk'],
    ['email', 'cleo@example.com'],
    ['password', NEW_PASSWORD],
    ['passwordConfirmation', NEW_PASSWORD],
    ['role', 'admin'],
    ['companies', String(ctx.ids.acme)],
    ['permissions', 'view'],
  ]);
  t.equal(res.statusCode, 303);
  const cleo = ctx.db.select().from(users).where(eq(users.username, 'cleo')).get()!;
  t.match(cleo, {
    adminRole: 'admin',
    adminPermissions: ['view'],
    firstName: 'Cleo',
    lastName: 'Clerk',
    createdBy: ctx.admin.id,
  });
  t.ok(await verifyPassword(cleo.passwordHash!, NEW_PASSWORD));
  t.equal(cleo.nameSort, 'clerk cleo', 'derived fields are filled, so lists sort and find them');
  const [created] = auditOf(ctx.db, 'user.create');
  t.same(created!.changes, {
    username: [null, 'cleo'],
    fullName: [null, 'Cleo Clerk'],
    email: [null, 'cleo@example.com'],
  });
  const [granted] = auditOf(ctx.db, 'admin.grant');
  t.same(granted!.changes, {
    role: [null, 'Scoped administrator'],
    scope: [null, 'Companies: Acme'],
    permissions: [null, 'View users'],
  });
  const cleoClient = new Client(ctx.app);
  await cleoClient.signIn('cleo', NEW_PASSWORD);
  t.equal((await cleoClient.get('/users')).statusCode, 200, 'the new administrator can sign in');
});

t.test('changing an administrator replaces role, scope and permissions and audits before → after', async (t) => {
  const ctx = await superuserWithDirectory(t);
  const sam = addScopedAdmin(ctx.db, 'sam', [{ kind: 'groups', refId: ctx.ids.sales }]);
  const form = await ctx.browser.get(`/admins/${sam.id}/edit`);
  t.match(form.body, `name="groups" value="${ctx.ids.sales}" checked`, 'the form shows the scope as stored');
  t.match(form.body, 'name="role" value="admin" checked');

  const res = await ctx.browser.post(`/admins/${sam.id}`, [
    ['role', 'admin'],
    ['groups', String(ctx.ids.sales)],
    ['groups', String(ctx.ids.support)],
    ['permissions', 'view'],
    ['permissions', 'access'],
  ]);
  t.equal(res.statusCode, 303);
  const [entry] = auditOf(ctx.db, 'admin.change');
  t.same(entry!.changes, {
    scope: ['Groups: Sales', 'Groups: Sales, Support'],
    permissions: ['View users', 'View users; Passwords and access (status, block, unlock, reset, expire)'],
  });
  t.same(ctx.db.select().from(users).where(eq(users.id, sam.id)).get()!.adminPermissions, ['view', 'access']);

  const promoted = await ctx.browser.post(`/admins/${sam.id}`, [
    ['role', 'superuser'],
    ['groups', String(ctx.ids.sales)],
  ]);
  t.equal(promoted.statusCode, 303);
  const row = ctx.db.select().from(users).where(eq(users.id, sam.id)).get()!;
  t.equal(row.adminRole, 'superuser');
  t.equal(row.adminPermissions, null);
  t.equal(ctx.db.select().from(adminScopes).where(eq(adminScopes.adminId, sam.id)).all().length, 0, 'no scope rows');
  t.same(auditOf(ctx.db, 'admin.change')[1]!.changes, {
    role: ['Scoped administrator', 'Superuser'],
    scope: ['Groups: Sales, Support', 'Everyone'],
    permissions: [
      'View users; Passwords and access (status, block, unlock, reset, expire)',
      'Everything, including settings and administrators',
    ],
  });

  const same = await ctx.browser.post(`/admins/${sam.id}`, { role: 'superuser' });
  t.equal(same.statusCode, 303);
  t.match((await ctx.browser.get('/admins')).body, 'Nothing changed for Sam Scoped.');
  t.equal(auditOf(ctx.db, 'admin.change').length, 2, 'no entry when nothing changed');

  const bad = await ctx.browser.post(`/admins/${sam.id}`, [
    ['role', 'admin'],
    ['territories', '12345'],
  ]);
  t.equal(bad.statusCode, 422, 'an id not on the list is refused');
  t.equal(ctx.db.select().from(users).where(eq(users.id, sam.id)).get()!.adminRole, 'superuser', 'nothing written');
  const noRole = await ctx.browser.post(`/admins/${sam.id}`, { role: 'owner' });
  t.match(noRole.body, 'Choose superuser or scoped administrator.');
});

t.test('revoking asks first, then removes access, ends every session and keeps the user', async (t) => {
  const ctx = await superuserWithDirectory(t);
  const { user: helper, client } = await signedInHelper(ctx.app, 'admin', { scope: { groups: [ctx.ids.sales] } });
  const other = new Client(ctx.app);
  await other.signIn('helper', 'a long helper passphrase');
  t.equal(ctx.db.select().from(sessions).where(eq(sessions.userId, helper.id)).all().length, 2);

  const confirm = await ctx.browser.get(`/admins/${helper.id}/revoke`);
  t.match(confirm.body, '<h1 id="confirm-heading">Revoke administration from helper?</h1>');
  t.equal(
    ctx.db.select().from(users).where(eq(users.id, helper.id)).get()!.adminRole,
    'admin',
    'asking changes nothing',
  );
  const res = await ctx.browser.post(`/admins/${helper.id}/revoke`);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/admins');
  const row = ctx.db.select().from(users).where(eq(users.id, helper.id)).get()!;
  t.equal(row.adminRole, null);
  t.equal(row.adminPermissions, null);
  t.equal(row.deletedAt, null, 'still a managed user');
  t.equal(ctx.db.select().from(adminScopes).where(eq(adminScopes.adminId, helper.id)).all().length, 0);
  t.equal(ctx.db.select().from(sessions).where(eq(sessions.userId, helper.id)).all().length, 0, 'all sessions ended');
  t.equal((await client.get('/users')).statusCode, 302, 'their open console is signed out');
  const page = await ctx.browser.get('/admins');
  t.match(page.body, 'helper is no longer an administrator and was signed out of 2 sessions.');
  t.equal((await ctx.browser.get(`/users/${helper.id}`)).statusCode, 200, 'their user page remains');
  const [entry] = auditOf(ctx.db, 'admin.revoke');
  t.match(entry, { targetUserId: helper.id, actorId: ctx.admin.id });
  t.same(entry!.changes, {
    role: ['Scoped administrator', null],
    scope: ['Groups: Sales', null],
    permissions: [
      'View users; Create and edit users; Delete and restore users; Passwords and access (status, block, unlock, reset, expire); Import and export; Email users',
      null,
    ],
  });
});

t.test('a superuser may step down while another active superuser remains', async (t) => {
  const ctx = await superuserWithDirectory(t);
  addUser(ctx.db, { username: 'second', adminRole: 'superuser' });
  await ctx.browser.get(`/admins/${ctx.admin.id}/revoke`);
  const res = await ctx.browser.post(`/admins/${ctx.admin.id}/revoke`, {});
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/signin', 'their own session ended with it');
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.admin.id)).get()!.adminRole, null);
});
