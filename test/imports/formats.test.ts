import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { finishedJob } from '../helpers/bulk.js';
import { confirmImport, importReady, mapColumns, mappingShown, previewOf, uploadCsv } from '../helpers/import.js';
import { recogniseHeaders, templateFields } from '../../src/imports/columns.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/imports/${name}`, import.meta.url));

t.test(
  'an AD csvde export is recognised: the disabled bit gives an inactive user, the manager DN the supervisor',
  async (t) => {
    const ctx = await importReady(t);
    const employee = ctx.db.get<{ id: number }>(sql`select id from user_types where name = 'Employee'`)!.id;
    const { page, location } = await previewOf(ctx.app, ctx.browser, fixture('ad-csvde.csv'), {
      defaultUserType: String(employee),
    });
    t.match(page.body, /<strong>2 users<\/strong> will be created/);
    const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
    t.equal(job.state, 'done', job.error ?? '');
    const user = (name: string) =>
      ctx.db.get<{ id: number; status: string; supervisor_id: number | null; email: string }>(
        sql`select id, status, supervisor_id, email from users where username = ${name}`,
      )!;
    t.equal(user('lstrand').status, 'active');
    t.equal(user('oberg').status, 'inactive', 'userAccountControl 514 has the disabled bit');
    t.equal(user('oberg').supervisor_id, user('lstrand').id, 'the manager DN names the supervisor');
    t.equal(user('oberg').email, 'olle.berg@corp.example');

    // The same file again, as create and update: nothing changes.
    const again = await previewOf(ctx.app, ctx.browser, fixture('ad-csvde.csv'), {
      mode: 'both',
      defaultUserType: String(employee),
    });
    t.match(again.page.body, /No changes:/);
  },
);

t.test('headers of the other formats are recognised', async (t) => {
  t.same(
    recogniseHeaders([
      'First name [givenName] Required',
      'Last name [surname]',
      'User name [userPrincipalName] Required',
      'Block sign in (Yes/No) [accountEnabled] Required',
    ]),
    ['firstName', 'lastName', 'username', 'signInBlocked'],
  );
  t.same(
    recogniseHeaders([
      'First Name [Required]',
      'Last Name [Required]',
      'Email Address [Required]',
      'Status [READ ONLY]',
      'Manager Email',
    ]),
    ['firstName', 'lastName', 'email', 'status', 'supervisor'],
  );
  t.same(
    recogniseHeaders([
      'DistinguishedName',
      'Enabled',
      'GivenName',
      'Name',
      'SamAccountName',
      'Surname',
      'UserPrincipalName',
    ]),
    ['distinguishedName', 'enabled', 'firstName', '', 'username', 'lastName', ''],
  );
});

const FORMATS = [
  { file: 'roster-template.csv', fields: templateFields(), created: 2 },
  {
    file: 'ad-csvde.csv',
    fields: [
      'distinguishedName',
      '',
      'username',
      '',
      'firstName',
      'lastName',
      'fullName',
      'email',
      'phone',
      'groups',
      'companies',
      'supervisor',
      'accountControl',
    ],
    created: 2,
  },
  {
    file: 'get-aduser.csv',
    fields: [
      'distinguishedName',
      'enabled',
      'firstName',
      '',
      '',
      '',
      'username',
      '',
      'lastName',
      '',
      'email',
      'groups',
      'supervisor',
    ],
    created: 2,
  },
  {
    file: 'entra-bulk-create.csv',
    fields: ['fullName', 'username', '', 'signInBlocked', 'firstName', 'lastName', '', 'groups', '', 'phone', ''],
    created: 2,
  },
  {
    file: 'entra-users-export.csv',
    fields: [
      '',
      'username',
      'fullName',
      'lastName',
      'email',
      'firstName',
      'userType',
      '',
      'groups',
      'enabled',
      '',
      'companies',
      '',
    ],
    created: 2,
  },
  {
    file: 'google-export.csv',
    fields: [
      'firstName',
      'lastName',
      'email',
      '',
      '',
      '',
      '',
      'status',
      '',
      '',
      'phone',
      '',
      'userType',
      'supervisor',
      'groups',
    ],
    created: 2,
  },
  { file: 'google-upload-template.csv', fields: ['firstName', 'lastName', 'email', '', ''], created: 2 },
];

t.test('each format is recognised without mapping, and imports', async (t) => {
  const ctx = await importReady(t);
  const employee = ctx.db.get<{ id: number }>(sql`select id from user_types where name = 'Employee'`)!.id;
  for (const name of ['Member', 'Guest']) ctx.db.run(sql`insert into user_types (name) values (${name})`);
  for (const format of FORMATS) {
    const uploaded = await uploadCsv(ctx.app, ctx.browser, fixture(format.file), { filename: format.file });
    const location = String(uploaded.headers.location).replace(/\/columns$/, '');
    const shown = mappingShown((await ctx.browser.get(`${location}/columns`)).body);
    const fields = Object.keys(shown)
      .filter((k) => k.startsWith('column'))
      .map((k) => shown[k]);
    t.same(fields, format.fields, `${format.file}: every column recognised`);
    const { page } = await mapColumns(ctx.app, ctx.browser, location, { defaultUserType: String(employee) });
    t.match(
      page.body,
      new RegExp(`<strong>${format.created} users</strong> will be created`),
      `${format.file}: no problems`,
    );
    const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
    t.equal(job.state, 'done', `${format.file}: imported ${job.error ?? ''}`);
  }
  const status = (username: string) =>
    ctx.db.get<{ status: string }>(sql`select status from users where username = ${username}`)?.status;
  t.equal(status('jek'), 'inactive', 'Get-ADUser: Enabled False');
  t.equal(status('omar.said@contoso.example'), 'inactive', 'Entra: Block sign in Yes');
  t.equal(status('ray.moss@contoso.example'), 'inactive', 'Entra export: accountEnabled False');
  t.equal(status('leo.park'), 'inactive', 'Google: Suspended');
  const leo = ctx.db.get<{ supervisor: string }>(
    sql`select s.username as supervisor from users u join users s on s.id = u.supervisor_id where u.username = 'leo.park'`,
  );
  t.equal(leo?.supervisor, 'mia.holt', 'Google: the manager by email, from the same file');
});

t.test('a manager DN that names nobody is a problem on its row', async (t) => {
  const ctx = await importReady(t);
  const employee = ctx.db.get<{ id: number }>(sql`select id from user_types where name = 'Employee'`)!.id;
  const file = 'sAMAccountName,givenName,sn,manager\nnils,Nils,Ny,"CN=Nobody Here,OU=Staff,DC=corp,DC=example"\n';
  const { page } = await previewOf(ctx.app, ctx.browser, file, { defaultUserType: String(employee) });
  t.match(page.body, /<td>2<\/td><td>Supervisor<\/td><td>No user “Nobody Here” to be the manager.<\/td>/);
});
