import t from 'tap';
import { sql } from 'drizzle-orm';
import { existsSync, utimesSync } from 'node:fs';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { signedInHelper } from '../helpers/directory.js';
import { finishedJob } from '../helpers/bulk.js';
import { columnOf, csvOf } from '../helpers/export.js';
import { seedUsers } from '../../src/seed/seed.js';
import { csvChunks, STREAM_LIMIT } from '../../src/exports/export-users.js';
import { exportFile, removeExpiredExports } from '../../src/exports/files.js';
import { DEFAULT_COLUMNS } from '../../src/list/columns.js';
import { parseListQuery } from '../../src/list/list-query.js';
import { planList } from '../../src/list/list-repository.js';

// More users than an export sends back at once, so exporting them all runs as a job.
const USERS = STREAM_LIMIT + 1_500;

const app = await buildTestApp(t);
const admin = await addSuperuser(app);
seedUsers(app.db, { users: USERS, replace: false });
const browser = new Client(app);
await browser.signIn();
await browser.get('/users');

/** Every visible username in an order, straight from SQL, to hold the export against. */
const usernamesBy = (order: string) =>
  app.db
    .all<{ username: string }>(sql.raw(`select username from users where deleted_at is null order by ${order}`))
    .map((r) => r.username);

t.test('a large export runs as a job, and its file holds every user once, in the list order', async (t) => {
  const started = await browser.post('/users/export', { query: 'sort=-created' });
  const { id, page } = await finishedJob(app, browser, started);
  const total = USERS + 1;
  t.match(page.body, `${total.toLocaleString('en')} users exported to roster-users-`);
  t.match(page.body, `href="/exports/${id}"`);
  t.match(page.body, /kept for you for 24 hours/);

  const file = await browser.get(`/exports/${id}`);
  t.equal(file.statusCode, 200);
  t.match(file.headers['content-disposition'], /^attachment; filename="roster-users-\d{4}-\d{2}-\d{2}\.csv"$/);
  const csv = csvOf(file);
  t.ok(csv.bom && csv.crlf);
  t.equal(csv.records.length, total + 1, 'a header and one line per user');
  t.same(columnOf(csv.records, 'Username'), usernamesBy('created_at desc, id desc'), 'no user skipped or repeated');

  const entry = app.db.get<{ detail: string; actor_id: number }>(
    sql`select detail, actor_id from audit_entries where action = 'users.export'`,
  )!;
  t.equal(entry.actor_id, admin.id);
  t.match(entry.detail, `${total.toLocaleString('en')} users to CSV (matching sort=-created)`);

  // Another administrator, a superuser even, finds no such file.
  const other = await signedInHelper(app, 'superuser');
  t.equal((await other.client.get(`/exports/${id}`)).statusCode, 404);
  t.equal((await other.client.get(`/jobs/${id}`)).statusCode, 404);
  t.equal((await browser.get('/exports/..%2F..%2Froster.db')).statusCode, 404);

  // A day later the file is gone: the job page says so, and the sweep removes it.
  const path = exportFile(app.config.dataDir, id)!;
  const dayAgo = new Date(Date.now() - 25 * 3_600_000);
  utimesSync(path, dayAgo, dayAgo);
  const expired = await browser.get(`/exports/${id}`);
  t.equal(expired.statusCode, 302);
  t.equal(expired.headers.location, `/jobs/${id}`);
  t.match((await browser.get(`/jobs/${id}`)).body, /no longer kept/);
  t.equal(removeExpiredExports(app.config.dataDir), 1);
  t.notOk(existsSync(path));
});

t.test('a bulk job is no export: its id downloads nothing', async (t) => {
  const started = await browser.post('/users/bulk/apply', [
    ['action', 'unlock'],
    ['id', String(admin.id)],
  ]);
  const { id } = await finishedJob(app, browser, started);
  t.equal((await browser.get(`/exports/${id}`)).statusCode, 404);
});

t.test('read by keyset over the sort index, the file is the same as read from the sorted matches', async (t) => {
  const query = parseListQuery({ q: 'an', sort: 'territory' });
  const text = (plan: ReturnType<typeof planList>) =>
    [...csvChunks(app.db, plan, query, DEFAULT_COLUMNS)].map((c) => c.text).join('');
  const fromMatches = planList(app.db, admin, query);
  const fromIndex = planList(app.db, admin, query, 100);
  t.ok(fromMatches.matches && !fromIndex.matches, 'one plan holds its matches, the other walks the index');
  t.ok(fromMatches.count.value > 1_000, 'more than one batch');
  t.equal(text(fromIndex), text(fromMatches));
});
