import { eq, sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { hashPassword } from '../../src/auth/passwords.js';
import { auditEntries, sessions, users } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { portalSignIn, USER_PASSWORD } from '../helpers/portal.js';
import { formFields, postForm, withFields } from '../helpers/user-form.js';

async function setUp(t: Test) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const db = app.db;
  const boss = addUser(db, { username: 'boss', firstName: 'Bo', lastName: 'Ssman' });
  const ann = addUser(db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Öberg',
    signature: 'AÖ',
    email: 'ann@example.com',
    phone: '555-0100',
    extension: '12',
    groups: ['Sales'],
    teams: ['Blue'],
    companies: ['Acme'],
    territory: 'Nordics',
    role: 'Manager',
    userType: 'Employee',
    supervisorId: boss.id,
    licenceType: 'full',
    kind: 'resource',
    availability: { odd: [8, 8, 8, 8, 8, 0, 0], even: [4, 4, 4, 4, 4, 0, 0] },
    twoStepEnabled: true,
    notes: 'Keeps the keys',
  });
  const report = addUser(db, { username: 'rep', firstName: 'Rae', lastName: 'Port', supervisorId: ann.id });
  const browser = new Client(app);
  await browser.signIn();
  return { app, db, boss, ann, report, browser };
}

const updates = (db: Parameters<typeof addUser>[0]) =>
  db.select().from(auditEntries).where(eq(auditEntries.action, 'user.update')).all();

t.test('the user page offers Edit and Clone', async (t) => {
  const ctx = await setUp(t);
  const page = await ctx.browser.get(`/users/${ctx.ann.id}`);
  t.match(page.body, `href="/users/${ctx.ann.id}/edit">Edit</a>`);
  t.match(page.body, `href="/users/new?from=${ctx.ann.id}">Clone</a>`);
  t.match(page.body, /<th scope="row">Even<\/th><td>4<\/td><td>4<\/td><td>4<\/td><td>4<\/td><td>4<\/td><td>0<\/td>/);
});

t.test('editing shows the same form prefilled, and saving changes only what changed', async (t) => {
  const ctx = await setUp(t);
  const form = await ctx.browser.get(`/users/${ctx.ann.id}/edit`);
  t.equal(form.statusCode, 200);
  t.match(form.body, '<h1>Edit Ann Öberg</h1>', 'titled with the name a person knows, not the username');
  t.match(form.body, 'name="version" value="1"');
  t.match(form.body, 'value="ann@example.com"');
  t.match(form.body, 'value="Bo Ssman · boss"');
  t.match(form.body, /name="hoursOdd0" type="text" inputmode="decimal" size="4" value="8"/);
  t.notMatch(form.body, 'name="passwordMode"', 'no password section when editing');

  const fields = formFields(form.body);
  const unchanged = await postForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, fields);
  t.equal(unchanged.statusCode, 303, 'saving an untouched form succeeds');
  t.equal(updates(ctx.db).length, 0, '…and records nothing');
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.version, 1, '…and keeps the version');

  const saved = await postForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    withFields(fields, { lastName: 'Berg', email: 'ann.berg@example.com', hoursEven6: '2.5' }),
  );
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, `/users/${ctx.ann.id}`);
  const row = ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!;
  t.match(row, {
    lastName: 'Berg',
    email: 'ann.berg@example.com',
    firstName: 'Ann',
    supervisorId: ctx.boss.id,
    twoStepEnabled: true,
    licenceType: 'full',
    version: 2,
    updatedBy: 1,
    availability: { odd: [8, 8, 8, 8, 8, 0, 0], even: [4, 4, 4, 4, 4, 0, 2.5] },
  });
  t.ok(row.updatedAt.getTime() > ctx.ann.updatedAt.getTime() - 1);
  t.equal(row.nameSort, 'berg ann', 'derived fields follow');
  const report = ctx.db.select().from(users).where(eq(users.id, ctx.report.id)).get()!;
  t.equal(report.supervisorSort, 'ann berg', 'the reports show the new name');
  t.match(report.searchDoc, 'ann berg');
  const groups = ctx.db.all<{ n: number }>(sql`select count(*) as n from user_groups where user_id = ${ctx.ann.id}`);
  t.equal(groups[0]!.n, 1, 'memberships kept');

  const [entry, ...more] = updates(ctx.db);
  t.equal(more.length, 0);
  t.same(entry!.changes, {
    lastName: ['Öberg', 'Berg'],
    email: ['ann@example.com', 'ann.berg@example.com'],
    availability: [
      { odd: [8, 8, 8, 8, 8, 0, 0], even: [4, 4, 4, 4, 4, 0, 0] },
      { odd: [8, 8, 8, 8, 8, 0, 0], even: [4, 4, 4, 4, 4, 0, 2.5] },
    ],
  });
  t.match(entry, { targetUserId: ctx.ann.id, actorName: 'Ada Admin' });
  const page = await ctx.browser.get(`/users/${ctx.ann.id}`);
  t.match(page.body, 'Ann Berg was saved.');
});

t.test('an edit that fails validation keeps the input and writes nothing', async (t) => {
  const ctx = await setUp(t);
  const fields = formFields((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body);
  for (const [changes, message] of [
    [{ username: 'BOSS' }, 'This username is already taken.'],
    [{ supervisor: `Ann Öberg (${ctx.ann.id})` }, 'A user cannot supervise themselves.'],
    [{ hoursOdd1: '24.5' }, 'Tuesday: enter hours from 0 to 24.'],
  ] as const) {
    const res = await postForm(
      ctx.app,
      ctx.browser,
      `/users/${ctx.ann.id}`,
      withFields(fields, { ...changes, lastName: 'Kept' }),
    );
    t.equal(res.statusCode, 422, message);
    t.match(res.body, message);
    t.match(res.body, 'value="Kept"');
    t.match(res.body, 'name="version" value="1"');
  }
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.version, 1);
  t.equal(updates(ctx.db).length, 0);
});

t.test('two administrators edit at once: the first save wins, the second is told what changed', async (t) => {
  const ctx = await setUp(t);
  const other = new Client(ctx.app);
  await other.signIn();
  const mine = formFields((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body);
  const theirs = formFields((await other.get(`/users/${ctx.ann.id}/edit`)).body);

  const first = await postForm(
    ctx.app,
    other,
    `/users/${ctx.ann.id}`,
    withFields(theirs, { email: 'first@example.com' }),
  );
  t.equal(first.statusCode, 303);

  const second = await postForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    withFields(mine, { phone: '555-0199', notes: 'My <notes>' }),
  );
  t.equal(second.statusCode, 409);
  t.match(second.body, 'Another administrator saved this user after you opened the form.');
  t.match(second.body, 'They changed: Email.');
  t.match(second.body, 'value="555-0199"', 'my input is kept');
  t.match(second.body, '>My &lt;notes&gt;</textarea>');
  t.match(second.body, 'name="version" value="2"', 'the form now carries the current version');

  const row = ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!;
  t.match(row, { email: 'first@example.com', phone: '555-0100', notes: 'Keeps the keys', version: 2 });
  t.equal(updates(ctx.db).length, 1, 'only the first save is audited');

  const again = await postForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, formFields(second.body));
  t.equal(again.statusCode, 303, 'saving again after reading the conflict is deliberate and goes through');
  t.match(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!, {
    phone: '555-0199',
    email: 'ann@example.com',
    version: 3,
  });
});

t.test('clone opens New with the settings but not the identity', async (t) => {
  const ctx = await setUp(t);
  const page = await ctx.browser.get(`/users/new?from=${ctx.ann.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, '<h1>New user, copied from Ann Öberg</h1>', 'the title says whom it copies');
  t.match(page.body, 'A copy of Ann Öberg’s settings.');
  const fields = formFields(page.body);
  const value = (name: string) => fields.filter(([k]) => k === name).map(([, v]) => v);
  for (const name of ['username', 'firstName', 'lastName', 'fullName', 'signature', 'email', 'phone', 'extension']) {
    t.same(value(name), [''], `${name} is empty`);
  }
  t.notMatch(page.body, 'ann@example.com');
  t.notMatch(page.body, '555-0100');
  t.notMatch(page.body, 'name="version"');
  t.same(value('supervisor'), ['Bo Ssman · boss']);
  t.same(value('licenceType'), ['full']);
  t.same(value('kind'), ['resource']);
  t.same(value('hoursOdd0'), ['8']);
  t.same(value('twoStep'), ['on']);
  t.same(value('notes'), ['Keeps the keys']);
  t.same(value('passwordMode'), ['generate']);
  t.same(value('groups'), [String(referenceId(ctx.db, 'groups', 'Sales'))]);
  t.same(value('roleId'), [String(referenceId(ctx.db, 'roles', 'Manager'))]);

  const res = await postForm(
    ctx.app,
    ctx.browser,
    '/users',
    withFields(fields, { username: 'ann2', firstName: 'Anna' }),
  );
  t.equal(res.statusCode, 303);
  const clone = ctx.db.select().from(users).where(eq(users.username, 'ann2')).get()!;
  t.match(clone, {
    supervisorId: ctx.boss.id,
    licenceType: 'full',
    kind: 'resource',
    email: '',
    territoryId: ctx.ann.territoryId,
  });
  t.equal((await ctx.browser.get('/users/new?from=999999')).statusCode, 404);
  t.equal((await ctx.browser.get('/users/new?from=abc')).statusCode, 404);
});

t.test('outside the scope, edit, save and clone find nobody', async (t) => {
  const ctx = await setUp(t);
  const fields = formFields((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body);
  const { client: scoped } = await signedInHelper(ctx.app);
  await scoped.get('/users/new');
  const edit = await scoped.get(`/users/${ctx.ann.id}/edit`);
  t.equal(edit.statusCode, 404);
  t.notMatch(edit.body, 'ann@example.com');
  t.equal((await scoped.get(`/users/new?from=${ctx.ann.id}`)).statusCode, 404, 'nobody to clone');
  const save = await postForm(ctx.app, scoped, `/users/${ctx.ann.id}`, withFields(fields, { email: 'x@example.com' }));
  t.equal(save.statusCode, 404);
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.email, 'ann@example.com');
  for (const url of ['/users/abc/edit', '/users/0/edit', '/users/999999/edit']) {
    t.equal((await ctx.browser.get(url)).statusCode, 404, url);
  }
});

t.test('saving an edit needs the CSRF token', async (t) => {
  const ctx = await setUp(t);
  const fields = formFields((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body);
  const res = await postForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    withFields(fields, { email: 'x@example.com' }),
    false,
  );
  t.equal(res.statusCode, 403);
  t.equal(ctx.db.select().from(users).where(eq(users.id, ctx.ann.id)).get()!.email, 'ann@example.com');
});

t.test(
  'an empty list invites a superuser to add users, and tells a scoped administrator why it is empty',
  async (t) => {
    const app = await buildTestApp(t);
    const root = await addSuperuser(app);
    const superuser = new Client(app);
    await superuser.signIn();
    const alone = (await superuser.get('/users')).body;
    t.match(alone, 'You are the only user so far.');
    t.match(alone, 'href="/users/new">Add a user</a>');
    t.match(alone, 'href="/users/new">New user</a>');
    t.match(
      alone,
      `href="/users/new?from=${root.id}" aria-label="Clone Ada Admin">Clone</a>`,
      'each row can be cloned',
    );

    const { client: scoped } = await signedInHelper(app, 'admin', { permissions: ['view'] });
    const empty = (await scoped.get('/users')).body;
    t.match(empty, '<h2>No users yet</h2>');
    t.match(empty, 'A superuser can add users or widen your scope.');
    t.notMatch(empty, 'href="/users/new"', 'no way in to a form they may not use');
  },
);

t.test('deactivating a user through the form ends their sessions, as the Deactivate button does', async (t) => {
  const ctx = await setUp(t);
  ctx.db
    .update(users)
    .set({ passwordHash: await hashPassword(USER_PASSWORD) })
    .where(eq(users.id, ctx.ann.id))
    .run();
  const portal = new Client(ctx.app);
  t.equal((await portalSignIn(portal, 'ann', USER_PASSWORD)).statusCode, 302, 'ann is signed in to the portal');
  const fields = formFields((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body);
  const save = await postForm(ctx.app, ctx.browser, `/users/${ctx.ann.id}`, withFields(fields, { status: 'inactive' }));
  t.equal(save.statusCode, 303);
  t.equal(ctx.db.select().from(sessions).where(eq(sessions.userId, ctx.ann.id)).all().length, 0, 'her session is gone');
  t.match((await portal.get('/account')).headers.location, /^\/login/, 'her next request is signed out');
});
