import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { finishedJob } from '../helpers/bulk.js';
import { confirmImport, importReady, previewOf } from '../helpers/import.js';
import { recogniseHeaders } from '../../src/imports/columns.js';

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
