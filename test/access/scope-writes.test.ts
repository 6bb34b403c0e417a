import t from 'tap';
import { sql } from 'drizzle-orm';
import { addSuperuser, buildTestApp } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { previewOf } from '../helpers/import.js';
import { formFields, postForm, withFields } from '../helpers/user-form.js';

/**
 * A scoped administrator gives only values inside their scope: on New, Edit, import and bulk
 * update, a value outside it is refused where it was given, and nobody is moved out of reach.
 * Values a user already holds outside the scope may stay.
 */
async function setUp(t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const ref = {
    sales: referenceId(app.db, 'groups', 'Sales'),
    support: referenceId(app.db, 'groups', 'Support'),
    engineering: referenceId(app.db, 'groups', 'Engineering'),
    employee: referenceId(app.db, 'user_types', 'Employee'),
    staff: referenceId(app.db, 'roles', 'Staff'),
  };
  const ann = addUser(app.db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Both',
    groups: ['Sales', 'Engineering'],
    userType: 'Employee',
    role: 'Staff',
  });
  const { client } = await signedInHelper(app, 'admin', { scope: { groups: [ref.sales, ref.support] } });
  return { app, ref, ann, client };
}

const groupsOf = (app: Awaited<ReturnType<typeof buildTestApp>>, id: number) =>
  app.db
    .all<{ name: string }>(
      sql`select g.name from user_groups m join groups g on g.id = m.ref_id where m.user_id = ${id} order by g.name`,
    )
    .map((r) => r.name);

t.test('New user: a group outside the scope, or none inside it, is refused with the input kept', async (t) => {
  const { app, ref, client } = await setUp(t);
  const form = await client.get('/users/new');
  const base = withFields(formFields(form.body), {
    username: 'newcomer',
    lastName: 'Newcomer',
    userTypeId: String(ref.employee),
    roleId: String(ref.staff),
    passwordMode: 'none',
  });
  const outside = await postForm(app, client, '/users', [...base, ['groups', String(ref.engineering)]]);
  t.equal(outside.statusCode, 422);
  t.match(outside.body, 'Choose only groups in your scope.');
  t.match(outside.body, /value="newcomer"/, 'the input is kept');
  const noGroup = await postForm(app, client, '/users', base);
  t.equal(noGroup.statusCode, 422);
  t.match(noGroup.body, 'Keep at least one group in your scope');
  t.equal(app.db.get(sql`select 1 from users where username = 'newcomer'`), undefined, 'nobody was created');

  const inside = await postForm(app, client, '/users', [...base, ['groups', String(ref.support)]]);
  t.equal(inside.statusCode, 303);
  const created = app.db.get<{ id: number }>(sql`select id from users where username = 'newcomer'`)!;
  t.same(groupsOf(app, created.id), ['Support']);
});

t.test('Edit: a group held outside the scope may stay; the last one inside may not go', async (t) => {
  const { app, ref, ann, client } = await setUp(t);
  const form = await client.get(`/users/${ann.id}/edit`);
  const fields = formFields(form.body).filter(([name]) => name !== 'groups');
  const keep = await postForm(app, client, `/users/${ann.id}`, [
    ...withFields(fields, { notes: 'kept both' }),
    ['groups', String(ref.sales)],
    ['groups', String(ref.engineering)],
  ]);
  t.equal(keep.statusCode, 303, 'Engineering was already theirs');
  t.same(groupsOf(app, ann.id), ['Engineering', 'Sales']);

  const again = formFields((await client.get(`/users/${ann.id}/edit`)).body).filter(([name]) => name !== 'groups');
  const leave = await postForm(app, client, `/users/${ann.id}`, [...again, ['groups', String(ref.engineering)]]);
  t.equal(leave.statusCode, 422);
  t.match(leave.body, 'Keep at least one group in your scope');
  t.same(groupsOf(app, ann.id), ['Engineering', 'Sales'], 'nothing changed');
});

t.test('Import: a group outside the scope is a problem of its line and column', async (t) => {
  const { app, client } = await setUp(t);
  await client.get('/users/import');
  const { page } = await previewOf(
    app,
    client,
    'Username,First Name,Last Name,User Type,Groups\nin.scope,In,Inside,Employee,Sales\nout.of.scope,Out,Outside,Employee,Engineering\n',
  );
  t.match(page.body, /3[\s\S]{0,200}Groups[\s\S]{0,200}Choose only groups in your scope\./, 'line 3, column Groups');
  t.notMatch(page.body, /Import 2 users/, 'the file cannot be imported as it is');
});

t.test(
  'Bulk update: values outside the scope are refused; removing the last group in scope refuses those users',
  async (t) => {
    const { app, ref, ann, client } = await setUp(t);
    const bob = addUser(app.db, { username: 'bob', firstName: 'Bob', lastName: 'Sales', groups: ['Sales', 'Support'] });
    await client.get('/users');
    const selection: [string, string][] = [
      ['id', String(ann.id)],
      ['id', String(bob.id)],
      ['query', ''],
    ];
    const add = await client.post('/users/bulk/update/review', [
      ...selection,
      ['groups_mode', 'add'],
      ['groups', String(ref.engineering)],
    ]);
    t.equal(add.statusCode, 422);
    t.match(add.body, 'Choose only groups in your scope.');

    const remove = await client.post('/users/bulk/update/review', [
      ...selection,
      ['groups_mode', 'remove'],
      ['groups', String(ref.sales)],
    ]);
    t.equal(remove.statusCode, 200);
    t.match(remove.body, /Ann Both/, 'Ann is named among the refused');
    t.match(remove.body, 'They would have no group left in your scope, and be out of your reach.');
    t.match(remove.body, /<strong>1 user<\/strong> will change/, 'only Bob, who keeps Support');
  },
);
