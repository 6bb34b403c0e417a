import { sql } from 'drizzle-orm';
import t from 'tap';
import { openJobDatabase } from '../../src/jobs/job-database.js';
import { IMPORT_HANDLERS } from '../../src/imports/handlers.js';
import { uploadStoreIn } from '../../src/imports/upload-store.js';
import { previewImport } from '../../src/imports/preview.js';
import { recogniseHeaders } from '../../src/imports/columns.js';
import type { ImportChoices } from '../../src/imports/choices.js';
import { mappedRows, readCsv, type CsvTable } from '../../src/imports/read-csv.js';
import { JobRefusedError } from '../../src/jobs/refused.js';
import { importReady, previewNow } from '../helpers/import.js';

/** The import job's work, on a connection like the job process's (no foreign-key checks), in this process. */
async function jobContext(t: Parameters<typeof importReady>[0]) {
  const ctx = await importReady(t);
  const db = openJobDatabase(ctx.app.config.databaseFile);
  t.teardown(() => db.$client.close());
  const store = uploadStoreIn(ctx.app.config.dataDir);
  const phases: string[] = [];
  // What each upload's preview showed, as its confirmation would send it back.
  const shown = new Map<string, string>();
  const run = (uploadId: string) =>
    IMPORT_HANDLERS['users.import']({
      jobId: `import-${uploadId}`,
      db,
      actor: ctx.admin,
      params: { uploadId, usernames: shown.get(uploadId) ?? '', maxRows: 1000 },
      requestId: 'r1',
      progress: (phase) => phases.push(phase),
      outbox: ctx.app.mail.outbox,
      dataDir: ctx.app.config.dataDir,
    });
  const save = (text: string) => {
    const id = store.save(ctx.admin.id, { filename: 'team.csv', encoding: 'UTF-8', text });
    const table = readCsv(text) as CsvTable;
    const choices: ImportChoices = {
      mapping: recogniseHeaders(table.headers),
      mode: 'create',
      matchOn: 'username',
      defaultUserTypeId: null,
      createMissing: false,
    };
    store.keepChoices(ctx.admin.id, id, choices);
    shown.set(id, previewImport(ctx.app.db, ctx.admin, mappedRows(table, choices.mapping), choices).usernames);
    return id;
  };
  /** The check job, as the mapping page starts it: its preview is what the confirmation sends back. */
  const check = (uploadId: string) => {
    IMPORT_HANDLERS['users.import.check']({
      jobId: `check-${uploadId}`,
      db,
      actor: ctx.admin,
      params: { uploadId, maxRows: 1000 },
      requestId: 'r0',
      progress: () => {},
      outbox: ctx.app.mail.outbox,
      dataDir: ctx.app.config.dataDir,
    });
    const kept = store.keptPreview(ctx.admin.id, uploadId) as { result: { usernames: string } };
    shown.set(uploadId, kept.result.usernames);
  };
  return { ...ctx, run, save, check, store, phases };
}

const FILE =
  'Username,Last Name,First Name,User Type,Groups,Supervisor\nlead,Holm,Åsa,Employee,Sales,\nmember,Berg,Per,Employee,Support,LEAD\n';

t.test('the job creates every user with memberships, supervisor and audit, then forgets the file', async (t) => {
  const ctx = await jobContext(t);
  const id = ctx.save(FILE);
  const outcome = ctx.run(id);
  t.equal(outcome.summary.headline, '2 users imported from team.csv.');
  t.same(ctx.phases, [
    'Checking the rows again',
    'Writing the users',
    'Preparing the list and search',
    'Recording the changes in the audit log',
  ]);
  const rows = ctx.db.all<{ username: string; supervisor: string | null; groups_sort: string; search_doc: string }>(
    sql`select u.username, s.username as supervisor, u.groups_sort, u.search_doc from users u
        left join users s on s.id = u.supervisor_id where u.username in ('lead', 'member') order by u.username`,
  );
  t.match(rows, [
    { username: 'lead', supervisor: null, groups_sort: 'sales' },
    { username: 'member', supervisor: 'lead', groups_sort: 'support', search_doc: /asa holm/ },
  ]);
  t.equal(ctx.store.find(ctx.admin.id, id), undefined, 'the upload is removed');
  t.throws(() => ctx.run(id), new JobRefusedError('The uploaded file is no longer kept. Upload it again.'));
});

t.test(
  'a group removed since the preview refuses the whole file: the job writes without foreign-key checks',
  async (t) => {
    const ctx = await jobContext(t);
    const id = ctx.save(FILE);
    const before = ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;
    ctx.db.run(sql`delete from groups where name = 'Support'`);
    t.throws(() => ctx.run(id), { message: /such as line 3: Unknown group “Support”\./ });
    t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n, before);
    t.ok(ctx.store.find(ctx.admin.id, id), 'the file is kept, so its preview shows why');
    const preview = await previewNow(ctx.app, ctx.browser, `/users/import/${id}`);
    t.match(preview.body, /Unknown group “Support”/, 'checked again as Roster is now');
  },
);

t.test('a file that can no longer be read is refused as it stands', async (t) => {
  const ctx = await jobContext(t);
  t.throws(() => ctx.run(ctx.save('Last Name\nHolm\n')), { message: /line 2: Missing first name\./ });
});

t.test("the import uses the check job's result while nothing it read has changed", async (t) => {
  const ctx = await jobContext(t);
  const id = ctx.save(FILE);
  ctx.check(id);
  // Writes the check never read: another user's phone, a session.
  ctx.db.run(sql`update users set phone = '555' where username = 'boss'`);
  const outcome = ctx.run(id);
  t.equal(outcome.summary.headline, '2 users imported from team.csv.');
  t.equal(ctx.phases[0], 'Nothing has changed since the preview');
  const member = ctx.db.get<{ supervisor: string }>(
    sql`select s.username as supervisor from users u join users s on s.id = u.supervisor_id where u.username = 'member'`,
  );
  t.same(member, { supervisor: 'lead' });
});

t.test('a change since the check job that the rows depend on is still caught', async (t) => {
  for (const [change, message] of [
    [sql`delete from groups where name = 'Support'`, /such as line 3: Unknown group “Support”\./],
    [
      sql`update users set username = 'LEAD' where username = 'boss'`,
      /such as line 2: This username is already taken\./,
    ],
  ] as const) {
    const ctx = await jobContext(t);
    const id = ctx.save(FILE);
    ctx.check(id);
    ctx.db.run(change);
    t.throws(() => ctx.run(id), { message });
    t.equal(ctx.phases[0], 'Checking the rows again');
    t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users where username = 'member'`)!.n, 0);
  }
});
