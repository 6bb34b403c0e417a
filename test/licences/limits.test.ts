import t from 'tap';
import { sql } from 'drizzle-orm';
import { addonsOf, licenceOf, licenceTeam, setPool, userCount } from './fixture.js';
import { auditCount, finishedJob } from '../helpers/bulk.js';
import { formFields, postForm, withFields } from '../helpers/user-form.js';
import { addUser } from '../helpers/directory.js';
import { confirmImport, previewOf } from '../helpers/import.js';
import { referenceId } from '../helpers/directory.js';

/** The fields of the New form for a person with this licence (and add-ons). */
async function newUserFields(
  ctx: Awaited<ReturnType<typeof licenceTeam>>,
  username: string,
  licence: string,
  addons: number[] = [],
) {
  const page = await ctx.browser.get('/users/new');
  return [
    ...withFields(formFields(page.body), {
      username,
      firstName: 'New',
      lastName: username,
      licenceType: licence,
      userTypeId: String(ctx.userType),
      roleId: String(ctx.role),
    }),
    ...addons.map((a): [string, string] => ['addons', String(a)]),
  ];
}

t.test('New: refused past the limit, naming it and how many are free, with nothing written', async (t) => {
  const ctx = await licenceTeam(t);
  setPool(ctx.db, { full: 1 }); // the first superuser holds it
  const users = userCount(ctx.db);
  const refused = await postForm(ctx.app, ctx.browser, '/users', await newUserFields(ctx, 'cy', 'full'));
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Not enough licences. Full: 0 free, this would need 1./);
  t.match(refused.body, /value="cy"/, 'the input is kept');
  t.equal(userCount(ctx.db), users);

  const viewer = await postForm(ctx.app, ctx.browser, '/users', await newUserFields(ctx, 'cy', 'viewer'));
  t.equal(viewer.statusCode, 303, 'an unlimited licence is given freely');
});

t.test('New with an add-on: refused when the add-on is used up', async (t) => {
  const ctx = await licenceTeam(t);
  setPool(ctx.db, { addons: { [ctx.crm]: 0 } });
  const refused = await postForm(
    ctx.app,
    ctx.browser,
    '/users',
    await newUserFields(ctx, 'cy', 'none', [ctx.crm, ctx.rebates]),
  );
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Not enough add-on licences. CRM: 0 free, this would need 1./);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users where username = 'cy'`)!.n, 0);
});

t.test('Clone: the copy takes a seat of its own, and is refused the same way', async (t) => {
  const ctx = await licenceTeam(t);
  const vera = addUser(ctx.db, {
    username: 'vera',
    firstName: 'Vera',
    licenceType: 'viewer',
    userTypeId: ctx.userType,
    roleId: ctx.role,
  });
  setPool(ctx.db, { viewer: 1 });
  const page = await ctx.browser.get(`/users/new?from=${vera.id}`);
  const fields = withFields(formFields(page.body), { username: 'vera2', firstName: 'Vera', lastName: 'Two' });
  const refused = await postForm(ctx.app, ctx.browser, '/users', fields);
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Viewer: 0 free, this would need 1./);
});

t.test('Edit: giving a licence past the limit is refused; keeping one already held is not', async (t) => {
  const ctx = await licenceTeam(t);
  setPool(ctx.db, { full: 1 });
  const edit = await ctx.browser.get(`/users/${ctx.ann.id}/edit`);
  const refused = await postForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    withFields(formFields(edit.body), { licenceType: 'full' }),
  );
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Full: 0 free, this would need 1./);
  t.equal(licenceOf(ctx.db, ctx.ann.id), 'none');

  // The pool shrank below use: people who hold a licence keep it, and edits to them still save.
  ctx.db.run(sql`update users set licence_type = 'full' where id = ${ctx.ann.id}`);
  setPool(ctx.db, { full: 1 });
  const again = await ctx.browser.get(`/users/${ctx.ann.id}/edit`);
  const saved = await postForm(
    ctx.app,
    ctx.browser,
    `/users/${ctx.ann.id}`,
    withFields(formFields(again.body), { notes: 'x' }),
  );
  t.equal(saved.statusCode, 303);
});

t.test('inactive and blocked users: they keep their seat by default, and release it when so set', async (t) => {
  const ctx = await licenceTeam(t);
  addUser(ctx.db, { username: 'off', licenceType: 'full', status: 'inactive' });
  addUser(ctx.db, { username: 'stop', licenceType: 'full', blocked: true });
  setPool(ctx.db, { full: 3 }); // the superuser, off and stop
  const fields = await newUserFields(ctx, 'cy', 'full');
  const kept = await postForm(ctx.app, ctx.browser, '/users', fields);
  t.equal(kept.statusCode, 422, 'kept: the inactive and the blocked user hold their seats');
  t.match(kept.body, /Full: 0 free, this would need 1./);

  await ctx.browser.get('/licences');
  await ctx.browser.post('/licences', [
    ['seats-full', '3'],
    ['release', 'release'],
  ]);
  const released = await postForm(ctx.app, ctx.browser, '/users', await newUserFields(ctx, 'cy', 'full'));
  t.equal(released.statusCode, 303, 'released: only the superuser counts, so two are free');
  const view = await ctx.browser.get('/users?view=licences');
  t.match(view.body, /2 of 3 used, 1 free/);

  // Switching an inactive user on again now takes a seat: a bulk update that does so is refused whole.
  setPool(ctx.db, { full: 2 });
  const off = ctx.db.get<{ id: number }>(sql`select id from users where username = 'off'`)!.id;
  await ctx.browser.get('/users');
  const review = await ctx.browser.post('/users/bulk/update/review', [
    ['id', String(off)],
    ['status', 'active'],
  ]);
  t.match(review.body, /Full: 0 free, this would need 1./);
});

t.test(
  'the licence view: a change in place, refused past the limit with the choice kept and nothing written',
  async (t) => {
    const ctx = await licenceTeam(t);
    setPool(ctx.db, { full: 1, addons: { [ctx.crm]: 1 } });
    const version = () =>
      ctx.db.get<{ version: number }>(sql`select version from users where id = ${ctx.ann.id}`)!.version;
    const back = '/users?view=licences';

    // Without JavaScript: the row's form posts, and the list comes back with a message.
    const saved = await ctx.browser.post(`/users/${ctx.ann.id}/licences`, [
      ['licenceType', 'viewer'],
      ['addons', String(ctx.crm)],
      ['version', String(version())],
      ['back', back],
    ]);
    t.equal(saved.statusCode, 303);
    t.equal(saved.headers.location, back);
    t.equal(licenceOf(ctx.db, ctx.ann.id), 'viewer');
    t.same(addonsOf(ctx.db, ctx.ann.id), [ctx.crm]);
    const entry = ctx.db.get<{ changes: string }>(
      sql`select changes from audit_entries where action = 'user.licence'`,
    )!;
    t.same(JSON.parse(entry.changes), { addons: [[], ['CRM']], licenceType: ['none', 'viewer'] });
    const list = await ctx.browser.get(back);
    t.match(list.body, /Ann Öberg: licences saved./);
    t.match(list.body, /1 of 1 used, 0 free/);
    t.match(list.body, /All used: no more can be given./);

    // With htmx: the row and the bars come back; refused, the row keeps the choice and says why.
    const refused = await ctx.browser.post(
      `/users/${ctx.boss.id}/licences`,
      [
        ['licenceType', 'full'],
        ['addons', String(ctx.crm)],
        [
          'version',
          String(ctx.db.get<{ version: number }>(sql`select version from users where id = ${ctx.boss.id}`)!.version),
        ],
        ['back', back],
      ],
      { 'hx-request': 'true', 'hx-request-type': 'partial' },
    );
    t.equal(refused.statusCode, 422);
    t.match(refused.body, /<hx-partial hx-target="#licence-row-\d+" hx-swap="outerHTML">/);
    t.match(
      refused.body,
      /Bo Ssman: Not enough licences. Full: 0 free, this would need 1. CRM: 0 free, this would need 1./,
    );
    t.match(refused.body, /<option value="full" selected>/, 'the choice tried is kept');
    t.match(refused.body, /id="licence-bars"/);
    t.equal(licenceOf(ctx.db, ctx.boss.id), 'none');
    t.same(addonsOf(ctx.db, ctx.boss.id), []);

    // A row shown before someone else's change is not saved over it.
    const stale = await ctx.browser.post(`/users/${ctx.ann.id}/licences`, [
      ['licenceType', 'none'],
      ['version', '1'],
      ['back', back],
    ]);
    t.equal(stale.statusCode, 303);
    t.equal(licenceOf(ctx.db, ctx.ann.id), 'viewer');
    t.match((await ctx.browser.get(back)).body, /was changed by someone else since the list was shown/);
  },
);

t.test('the licence view needs the edit permission', async (t) => {
  const ctx = await licenceTeam(t);
  const { signedInHelper } = await import('../helpers/directory.js');
  const sales = referenceId(ctx.db, 'groups', 'Sales');
  const helper = await signedInHelper(ctx.app, 'admin', { permissions: ['view'], scope: { groups: [sales] } });
  await helper.client.get('/users?view=licences');
  const refused = await helper.client.post(`/users/${ctx.ann.id}/licences`, [
    ['licenceType', 'full'],
    ['version', '1'],
  ]);
  t.equal(refused.statusCode, 403);
  t.equal(licenceOf(ctx.db, ctx.ann.id), 'none');
});

t.test('bulk update: refused on the confirmation and, whole, in the job, before anything is written', async (t) => {
  const ctx = await licenceTeam(t);
  setPool(ctx.db, { viewer: 1, addons: { [ctx.crm]: 1 } });
  await ctx.browser.get('/users');
  const fields: [string, string][] = [
    ['id', String(ctx.ann.id)],
    ['id', String(ctx.boss.id)],
    ['licence', 'viewer'],
    ['addons_mode', 'add'],
    ['addons', String(ctx.crm)],
  ];
  const review = await ctx.browser.post('/users/bulk/update/review', fields);
  t.equal(review.statusCode, 200);
  t.match(review.body, /Not enough licences. Viewer: 1 free, this would need 2. CRM: 1 free, this would need 2./);
  t.notMatch(review.body, /type="submit"[^>]*>Update/, 'no button to go ahead');

  const before = auditCount(ctx.app, 'user.update');
  const started = await ctx.browser.post('/users/bulk/update', fields);
  const { job } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'failed', 'refused as a whole');
  t.match(
    JSON.stringify(job),
    /Not enough licences. Viewer: 1 free, this would need 2. CRM: 1 free, this would need 2. Nothing was changed./,
  );
  t.equal(licenceOf(ctx.db, ctx.ann.id), 'none');
  t.same(addonsOf(ctx.db, ctx.ann.id), []);
  t.equal(auditCount(ctx.app, 'user.update'), before);

  // Within the limit it goes ahead.
  const one = await ctx.browser.post('/users/bulk/update', [['id', String(ctx.ann.id)], ...fields.slice(2)]);
  t.equal((await finishedJob(ctx.app, ctx.browser, one)).job.state, 'done');
  t.equal(licenceOf(ctx.db, ctx.ann.id), 'viewer');
});

t.test('import: a file that would pass a limit is refused whole before anything is written', async (t) => {
  const ctx = await licenceTeam(t);
  referenceId(ctx.db, 'user_types', 'Employee');
  setPool(ctx.db, { addons: { [ctx.crm]: 1 } });
  await ctx.browser.get('/users/import');
  const file = 'Last Name,First Name,User Type,Add-ons\nHolm,Åsa,Employee,CRM\nBerg,Per,Employee,CRM\n';
  const { location } = await previewOf(ctx.app, ctx.browser, file);
  const users = userCount(ctx.db);
  const started = await confirmImport(ctx.browser, location);
  const { job } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'failed', 'refused as a whole');
  t.match(JSON.stringify(job), /Not enough licences. CRM: 1 free, this would need 2. Nothing was changed./);
  t.equal(userCount(ctx.db), users);
});
