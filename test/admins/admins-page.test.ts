import t from 'tap';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.js';
import { addUser, signedInHelper } from '../helpers/directory.js';
import { addScopedAdmin, superuserWithDirectory } from './fixture.js';

t.test('a superuser sees every administrator with their access in words', async (t) => {
  const ctx = await superuserWithDirectory(t);
  const scoped = addScopedAdmin(ctx.db, 'sam', [
    { kind: 'groups', refId: ctx.ids.support },
    { kind: 'groups', refId: ctx.ids.sales },
    { kind: 'territories', refId: ctx.ids.nordics },
  ]);
  ctx.db.update(users).set({ twoStepMethod: 'totp', blocked: true }).where(eq(users.id, scoped.id)).run();
  addUser(ctx.db, { username: 'nobody', fullName: 'Nia Nobody', adminRole: 'admin', adminPermissions: [] });
  addUser(ctx.db, { username: 'gone', fullName: 'Gus Gone', adminRole: 'superuser', deletedAt: new Date() });
  ctx.db
    .update(users)
    .set({ lastSigninAt: new Date('2026-11-20T09:30:00Z') })
    .where(eq(users.id, ctx.admin.id))
    .run();

  const home = await ctx.browser.get('/');
  t.match(home.body, '<a href="/admins">Administrators</a>', 'the navigation offers the page');
  const page = await ctx.browser.get('/admins');
  t.equal(page.statusCode, 200);
  const body = page.body;
  t.match(body, '<h1>Administrators</h1>');
  t.match(body, `<a href="/users/${ctx.admin.id}">Ada Admin</a>`, 'the name links to the user page');
  t.match(body, `<a href="/users/${scoped.id}">Sam Scoped</a>`);
  t.match(body, 'Groups: Sales, Support · Territories: Nordics');
  t.match(body, '<td>Scoped administrator</td>');
  t.match(body, '<td>Superuser</td>');
  t.match(body, '<td>Everyone</td>');
  t.match(body, 'No users (empty scope)');
  t.match(body, '<td>View users</td>');
  t.match(body, '<td>None</td>', 'no permissions at all');
  t.match(body, '20 Nov 2026, 09:30 UTC');
  t.match(body, '<td>Never</td>');
  t.match(body, /<td>Authenticator app<\/td>[\s\S]*Blocked/, 'two-step and status');
  t.match(body, '<td>Not set up</td>');
  t.match(body, 'Active');
  t.notMatch(body, 'Gus Gone', 'an administrator in the trash is not listed');
  t.notMatch(body, 'Ann Öberg', 'managed users are not listed');
});

t.test('a scoped administrator may not reach any administrators route', async (t) => {
  const ctx = await superuserWithDirectory(t);
  const { client } = await signedInHelper(ctx.app, 'admin', { scope: { groups: [ctx.ids.sales] } });
  const home = await client.get('/');
  t.notMatch(home.body, 'href="/admins"', 'no navigation link');
  const id = ctx.admin.id;
  for (const url of ['/admins', '/admins/grant', '/admins/new', `/admins/${id}/edit`, `/admins/${id}/revoke`]) {
    const res = await client.get(url);
    t.equal(res.statusCode, 403, `GET ${url}`);
    t.match(res.body, 'You may not manage administrators.');
  }
  await client.get('/');
  const posts: [string, Record<string, string>][] = [
    ['/admins/grant', { user: `Ann Öberg (${ctx.ann.id})`, role: 'superuser' }],
    [
      '/admins',
      {
        username: 'eve',
        password: 'a very long passphrase',
        passwordConfirmation: 'a very long passphrase',
        role: 'superuser',
      },
    ],
    [`/admins/${id}`, { role: 'admin' }],
    [`/admins/${id}/revoke`, {}],
  ];
  for (const [url, fields] of posts) {
    const res = await client.post(url, fields);
    t.equal(res.statusCode, 403, `POST ${url}`);
    t.match(res.body, 'You may not manage administrators.', 'refused by the policy, not for a missing token');
  }
  const admins = ctx.db
    .select()
    .from(users)
    .all()
    .filter((u) => u.adminRole !== null);
  t.equal(admins.length, 2, 'nobody was made an administrator');
  t.equal(ctx.db.select().from(users).where(eq(users.id, id)).get()!.adminRole, 'superuser', 'nobody was demoted');
});

t.test('a form posted without its CSRF token is refused and writes nothing', async (t) => {
  const ctx = await superuserWithDirectory(t);
  await ctx.browser.get('/admins/grant');
  const res = await ctx.browser.post('/admins/grant', {
    _csrf: '',
    user: `Ann Öberg (${ctx.ann.id})`,
    role: 'superuser',
  });
  t.equal(res.statusCode, 403);
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.adminRole, null);
  const revoke = await ctx.browser.post(`/admins/${ctx.admin.id}/revoke`, { _csrf: 'forged' });
  t.equal(revoke.statusCode, 403);
});

t.test('unknown, trashed and non-administrator ids are not found', async (t) => {
  const ctx = await superuserWithDirectory(t);
  for (const url of [
    '/admins/999/edit',
    `/admins/${ctx.ann.id}/edit`,
    `/admins/${ctx.ann.id}/revoke`,
    '/admins/x/edit',
  ]) {
    t.equal((await ctx.browser.get(url)).statusCode, 404, url);
  }
  await ctx.browser.get('/admins');
  t.equal((await ctx.browser.post(`/admins/${ctx.ann.id}`, { role: 'superuser' })).statusCode, 404);
  t.equal((await ctx.browser.post(`/admins/${ctx.ann.id}/revoke`)).statusCode, 404);
});
