import { sql } from 'drizzle-orm';
import t from 'tap';
import { finishedJob, auditCount } from '../helpers/bulk.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { confirmImport, importReady, mapColumns, mappingShown, previewOf, uploadCsv } from '../helpers/import.js';
import { COLUMNS } from '../../src/list/columns.js';

type Ctx = Awaited<ReturnType<typeof importReady>>;
const user = (ctx: Ctx, username: string) =>
  ctx.db.get<Record<string, unknown>>(sql`select * from users where username = ${username}`);
const groupsOf = (ctx: Ctx, username: string) =>
  ctx.db
    .all<{ name: string }>(
      sql`select g.name from user_groups m join groups g on g.id = m.ref_id join users u on u.id = m.user_id
          where u.username = ${username} order by g.name`,
    )
    .map((r) => r.name);
const counts = (page: string) =>
  Object.fromEntries(
    [...page.matchAll(/<dt>(To create|To update|Unchanged|In error)<\/dt><dd>([\d,]+)<\/dd>/g)].map((m) => [
      m[1],
      Number(m[2]),
    ]),
  );

const FILE = [
  'Username,First Name,Last Name,User Type,Email,Groups',
  'ann,Ann,Öberg,Employee,ann@new.example,Support',
  'cy,Cy,Nord,Employee,cy@example.com,Sales',
].join('\n');

t.test('create only refuses a row for someone already in Roster; update only one for someone not', async (t) => {
  const ctx = await importReady(t);
  const create = await previewOf(ctx.app, ctx.browser, FILE, { mode: 'create' });
  t.same(counts(create.page.body), { 'To create': 1, 'To update': 0, Unchanged: 0, 'In error': 1 });
  t.match(create.page.body, /This username is already taken. To update that user, choose an update mode./);

  const update = await previewOf(ctx.app, ctx.browser, FILE, { mode: 'update' });
  t.same(counts(update.page.body), { 'To create': 0, 'To update': 1, Unchanged: 0, 'In error': 1 });
  t.match(update.page.body, /No user with the username “cy” to update./);
  t.equal(user(ctx, 'ann')!.email, 'ann@example.com', 'a preview writes nothing');
});

t.test(
  'create and update: the preview lists what changes, and the import writes it with an audit entry each',
  async (t) => {
    const ctx = await importReady(t);
    ctx.db.run(
      sql`update users set user_type_id = (select id from user_types where name = 'Employee') where username = 'ann'`,
    );
    const { page, location } = await previewOf(ctx.app, ctx.browser, FILE, { mode: 'both' });
    t.same(counts(page.body), { 'To create': 1, 'To update': 1, Unchanged: 0, 'In error': 0 });
    t.match(page.body, /<td>ann<\/td><td>Email, Groups<\/td>/, 'the fields that change, by row');
    t.match(page.body, /Fields that change: Email \(1\), Groups \(1\)/);
    t.match(page.body, /Create 1 user and update 1 user/);
    const updates = auditCount(ctx.app, 'user.update');
    const { job, page: summary } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
    t.equal(job.state, 'done', job.error ?? '');
    t.match(summary.body, /2 users written from people\.csv: 1 created, 1 updated/);
    t.equal(user(ctx, 'ann')!.email, 'ann@new.example');
    t.same(groupsOf(ctx, 'ann'), ['Support'], 'the list is replaced by the file’s');
    t.equal(user(ctx, 'ann')!.supervisor_id, ctx.boss.id, 'a field the file has no column for stays');
    t.ok(user(ctx, 'cy'));
    t.equal(auditCount(ctx.app, 'user.update'), updates + 1);
    const entry = ctx.db.get<{ changes: string }>(
      sql`select changes from audit_entries where action = 'user.update' and target_user_id = ${ctx.ann.id}`,
    )!;
    t.same(JSON.parse(entry.changes), {
      email: ['ann@example.com', 'ann@new.example'],
      groups: [['Sales'], ['Support']],
    });
    const found = await ctx.browser.get('/users?q=new.example');
    t.match(found.body, /Öberg/, 'the search document follows the update');
  },
);

t.test('matching on email updates the user with that address, even to a new username', async (t) => {
  const ctx = await importReady(t);
  const file = 'Email,Username,First Name,Last Name\nANN@example.com,ann.oberg,Ann,Öberg\nnobody@example.com,x,X,Y\n';
  const { page, location } = await previewOf(ctx.app, ctx.browser, file, { mode: 'update', matchOn: 'email' });
  t.same(counts(page.body), { 'To create': 0, 'To update': 1, Unchanged: 0, 'In error': 1 });
  t.match(page.body, /No user with the email “nobody@example.com” to update./);
  const fixed = await previewOf(ctx.app, ctx.browser, file.split('\n').slice(0, 2).join('\n'), {
    mode: 'update',
    matchOn: 'email',
  });
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, fixed.location));
  t.equal(job.state, 'done', job.error ?? '');
  t.equal(user(ctx, 'ann.oberg')!.id, ctx.ann.id, 'the same user, renamed');
  void location;
});

t.test('re-importing a file Roster exported, with every column, changes nothing', async (t) => {
  const ctx = await importReady(t);
  addUser(ctx.db, {
    username: 'di',
    firstName: 'Di',
    lastName: 'Åhlund',
    fullName: 'Di Å. Åhlund',
    email: 'di@example.com',
    groups: ['Sales', 'Support'],
    supervisorId: ctx.ann.id,
    notes: 'Line one',
  });
  const every = COLUMNS.map((c) => c.key);
  await ctx.browser.get('/users');
  const saved = await ctx.browser.post('/users/columns', [
    ...every.map((c): [string, string] => ['order', c]),
    ...every.map((c): [string, string] => ['columns', c]),
  ]);
  t.equal(saved.statusCode, 302);
  const exported = await ctx.browser.post('/users/export', { query: 'sort=username', action: 'update' });
  t.equal(exported.statusCode, 200);
  const { page, location } = await previewOf(ctx.app, ctx.browser, exported.rawPayload, { mode: 'both' });
  const mapping = mappingShown((await ctx.browser.get(`${location}/columns`)).body);
  t.equal(mapping.column0, '', 'the export’s Name, a display name, is left out');
  t.same(counts(page.body), { 'To create': 0, 'To update': 0, Unchanged: 4, 'In error': 0 }, 'Ada, Bo, Ann and Di');
  t.match(page.body, /No changes:/);
  t.notMatch(page.body, /type="submit">(Create|Update)/, 'there is nothing to confirm');
});

t.test('a column can be remapped or left out, and the choice is remembered for the same headers', async (t) => {
  const ctx = await importReady(t);
  const file = 'Nachname,Vorname,Typ,Kommentar\nHolm,Åsa,Employee,Keep out\n';
  const uploaded = await uploadCsv(ctx.app, ctx.browser, file);
  const location = String(uploaded.headers.location).replace(/\/columns$/, '');
  const first = await ctx.browser.get(`${location}/columns`);
  t.match(first.body, /<label for="column0">Nachname<\/label>/, 'each column has a visible label');
  t.same(mappingShown(first.body), {
    column0: '',
    column1: '',
    column2: '',
    column3: '',
    mode: 'create',
    matchOn: 'username',
  });
  const { page } = await mapColumns(ctx.app, ctx.browser, location, {
    column0: 'lastName',
    column1: 'firstName',
    column2: 'userType',
    column3: '',
  });
  t.match(page.body, /<strong>1 user<\/strong> will be created/);
  t.match(page.body, /These columns are left out: “Kommentar”/);
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'done', job.error ?? '');
  t.equal(user(ctx, 'asa.holm')!.notes, '', 'a column left out is not imported');

  const again = await uploadCsv(ctx.app, ctx.browser, 'NACHNAME,vorname,Typ,Kommentar\nBerg,Per,Employee,x\n');
  const remembered = await ctx.browser.get(String(again.headers.location));
  t.match(remembered.body, /the choices made last time for a file with the same columns/);
  t.match(mappingShown(remembered.body), {
    column0: 'lastName',
    column1: 'firstName',
    column2: 'userType',
    column3: '',
  });
});

t.test('two columns mapped to one field, and a header-only file, are refused with nothing written', async (t) => {
  const ctx = await importReady(t);
  const before = ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;
  const doubled = await previewOf(
    ctx.app,
    ctx.browser,
    'Email,Mail,First Name,Last Name,User Type\na@x.example,b@x.example,A,B,Employee\n',
    { column1: 'email' },
  );
  t.equal(doubled.page.statusCode, 422);
  t.match(doubled.page.body, /“Email” and “Mail” are both mapped to Email. Map only one of them/);
  t.match(doubled.page.body, /aria-invalid="true"/, 'the select in error is marked');
  const headerOnly = await previewOf(ctx.app, ctx.browser, 'Last Name,First Name,User Type\r\n');
  t.match(headerOnly.page.body, /The file has a header line but no users under it/);
  const mixed = await uploadCsv(
    ctx.app,
    ctx.browser,
    Buffer.concat([
      Buffer.from('Last Name,First Name,User Type\nÖberg,Åsa,Employee\n'),
      Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x2c, 0x4a, 0x2c, 0x45, 0x0a]),
    ]),
  );
  t.equal(mixed.statusCode, 422);
  t.match(mixed.body, /This file mixes encodings: line 2 is UTF-8/);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n, before);
});

t.test('missing list values are created when a superuser asks, and are errors otherwise', async (t) => {
  const ctx = await importReady(t);
  const file =
    'Username,First Name,Last Name,User Type,Groups,Territory,Companies\nnew1,Nea,Ny,Intern,"Sales, Legal",West,Acme\n';
  const refused = await previewOf(ctx.app, ctx.browser, file);
  for (const message of [
    'Unknown user type “Intern”',
    'Unknown group “Legal”',
    'Unknown territory “West”',
    'Unknown company “Acme”',
  ])
    t.match(refused.page.body, message);
  const { page, location } = await previewOf(ctx.app, ctx.browser, file, { createMissing: 'on' });
  t.match(page.body, /These will be added to the lists: “Intern”, “West”, “Legal”, “Acme”/);
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'done', job.error ?? '');
  t.same(groupsOf(ctx, 'new1'), ['Legal', 'Sales']);
  t.ok(ctx.db.get(sql`select 1 from territories where name = 'West'`));
  t.equal(auditCount(ctx.app, 'list.add'), 4, 'each new value is audited');

  const sales = referenceId(ctx.db, 'groups', 'Sales');
  const { client: scoped } = await signedInHelper(ctx.app, 'admin', {
    permissions: ['view', 'edit'],
    scope: { groups: [sales] },
  });
  ctx.db.run(
    sql`update users set admin_permissions = '["view","edit","transfer","access","delete","email"]' where username = 'helper'`,
  );
  await scoped.get('/users/import');
  const theirs = await uploadCsv(
    ctx.app,
    scoped,
    'Username,First Name,Last Name,User Type,Groups\nnew2,Nils,Ny,Employee,Marketing\n',
  );
  const columns = await scoped.get(String(theirs.headers.location));
  t.notMatch(columns.body, /Create missing list values/, 'only superusers are offered it');
  const forced = await mapColumns(ctx.app, scoped, String(theirs.headers.location).replace(/\/columns$/, ''), {
    createMissing: 'on',
  });
  t.match(forced.page.body, /Unknown group “Marketing”/, 'and it is not taken from anyone else');
});

t.test('matched on email, a new user may not take a username someone else holds, in any case', async (t) => {
  const ctx = await importReady(t);
  const file = [
    'Username,First Name,Last Name,User Type,Email',
    'BOSS,Nils,Nyman,Employee,nils@example.com',
    'nils.nyman,Nils,Nyman,Employee,nils.n@example.com',
  ].join('\n');
  const { page } = await previewOf(ctx.app, ctx.browser, file, { mode: 'both', matchOn: 'email' });
  t.same(counts(page.body), { 'To create': 1, 'To update': 0, Unchanged: 0, 'In error': 1 });
  t.match(page.body, /<td>2<\/td><td>Username<\/td><td>This username is already taken\.<\/td>/);
});
