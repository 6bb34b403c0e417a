import t from 'tap';
import { sql } from 'drizzle-orm';
import { addUser, signedInHelper } from '../helpers/directory.js';
import { auditCount, bulkTeam } from '../helpers/bulk.js';
import { usernamesIn } from '../helpers/list-page.js';
import { columnOf, csvOf } from '../helpers/export.js';

const today = new Date().toISOString().slice(0, 10);

t.test('all matching: the chosen columns in their order, the list sort, BOM and CRLF', async (t) => {
  const ctx = await bulkTeam(t);
  addUser(ctx.db, { username: 'eve', firstName: 'Eve', lastName: 'Lund', groups: ['Support', 'Sales'] });
  const chosen = ['username', 'lastName', 'groups', 'territory', 'status'];
  const saved = await ctx.browser.post('/users/columns', [
    ...chosen.map((c): [string, string] => ['order', c]),
    ...chosen.map((c): [string, string] => ['columns', c]),
  ]);
  t.equal(saved.statusCode, 302);
  const list = await ctx.browser.get('/users?sort=-username');
  t.match(list.body, /formaction="\/users\/export"/, 'the bar offers the export');

  const res = await ctx.browser.post('/users/export', { query: 'sort=-username', action: 'update' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.equal(res.headers['content-disposition'], `attachment; filename="roster-users-${today}.csv"`);
  t.equal(res.headers['cache-control'], 'no-store');
  const csv = csvOf(res);
  t.ok(csv.bom, 'starts with a byte-order mark');
  t.ok(csv.crlf, 'every line ends in CRLF');
  t.same(csv.records[0], ['Username', 'Last name', 'Group', 'Territory', 'Status']);
  t.same(columnOf(csv.records, 'Username'), usernamesIn(list.body), 'the rows in the order the list shows');
  const eve = csv.records.find((r) => r[0] === 'eve')!;
  t.same(eve, ['eve', 'Lund', 'Sales, Support', '', 'Active'], 'lists joined as the cells show them');
  t.same(
    csv.records.find((r) => r[0] === 'di'),
    ['di', 'Åhlund', 'Support', 'Nordics', 'Active'],
  );
  t.ok(res.rawPayload.includes(Buffer.from('Åhlund', 'utf8')), 'diacritics are UTF-8');
});

t.test('ticked users only, in the list order; filters and search narrow "all matching"', async (t) => {
  const ctx = await bulkTeam(t);
  const ticked = await ctx.browser.post('/users/export', [
    ['query', 'sort=username'],
    ['id', String(ctx.di.id)],
    ['id', String(ctx.ann.id)],
  ]);
  t.same(columnOf(csvOf(ticked).records, 'Username'), ['ann', 'di']);

  const filtered = await ctx.browser.post('/users/export', { query: `territory=${ctx.nordics}` });
  t.same(columnOf(csvOf(filtered).records, 'Username'), ['di']);
  const searched = await ctx.browser.post('/users/export', { query: 'q=nordin' });
  t.same(columnOf(csvOf(searched).records, 'Username'), ['cy']);
  const all = await ctx.browser.post('/users/export', { all: '1', query: `group=${ctx.sales}&sort=-name` });
  t.same(columnOf(csvOf(all).records, 'Username'), ['ann', 'cy'], 'Öberg sorts as Oberg, descending');

  const audit = ctx.db.all<{ actor_name: string; detail: string; target_user_id: number | null }>(
    sql`select actor_name, detail, target_user_id from audit_entries where action = 'users.export' order by id`,
  );
  t.equal(audit.length, 4, 'one entry per export');
  t.same(audit[0], {
    actor_name: 'Ada Admin',
    detail:
      '2 users to CSV (ticked); columns: Name, Username, Email, Group, Territory, Role, Licence, Status, Last sign-in',
    target_user_id: null,
  });
  t.match(audit[3]!.detail, `2 users to CSV (matching group=${ctx.sales}&sort=-name)`);
});

t.test('scope: nothing outside it is exported, and ticked ids outside it refuse the export', async (t) => {
  const ctx = await bulkTeam(t);
  const helper = await signedInHelper(ctx.app);
  await helper.client.get('/users');
  const all = await helper.client.post('/users/export', { query: '' });
  t.equal(all.statusCode, 200);
  t.same(csvOf(all).records.length, 1, 'the header alone');

  const byHand = await helper.client.post('/users/export', [
    ['query', ''],
    ['id', String(ctx.ann.id)],
  ]);
  t.equal(byHand.statusCode, 403);
  t.match(byHand.body, /Nothing was exported/);
  t.match(byHand.body, /1 of the selected users is not yours to change/);
  t.notMatch(byHand.body, /Öberg/);
  t.equal(auditCount(ctx.app, 'users.export'), 1, 'only the export that happened is recorded');

  const tooMany = await ctx.browser.post(
    '/users/export',
    Array.from({ length: 10_001 }, (_, i): [string, string] => ['id', String(i + 1)]),
  );
  t.equal(tooMany.statusCode, 422);
});

t.test('formulas are made inert; markup and SQL stay plain text', async (t) => {
  const ctx = await bulkTeam(t);
  const values = {
    firstName: '=HYPERLINK("http://evil.example","click")',
    lastName: '+SUM(A1:A9)',
    signature: '-2+3',
    email: '@evil.example',
    phone: '\t=1+1',
    extension: '\r=1+1',
    notes: `<script>alert("x")</script>'; drop table users; --, "quoted", new\nline`,
  };
  addUser(ctx.db, { username: 'mallory', ...values });
  const columns = ['username', 'firstName', 'lastName', 'signature', 'email', 'phone', 'extension', 'notes'];
  await ctx.browser.post('/users/columns', [
    ...columns.map((c): [string, string] => ['order', c]),
    ...columns.map((c): [string, string] => ['columns', c]),
  ]);
  await ctx.browser.get('/users');
  const res = await ctx.browser.post('/users/export', { query: 'q=mallory' });
  const [header, row] = csvOf(res).records;
  t.equal(header!.length, columns.length);
  t.same(row, [
    'mallory',
    `'${values.firstName}`,
    `'${values.lastName}`,
    `'${values.signature}`,
    `'${values.email}`,
    `'${values.phone}`,
    `'${values.extension}`,
    values.notes,
  ]);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n, 6, 'the users table is still there');
});

t.test('unsafe without the form token: refused', async (t) => {
  const ctx = await bulkTeam(t);
  const res = await ctx.browser.post('/users/export', { _csrf: 'forged', query: '' });
  t.equal(res.statusCode, 403);
  t.notMatch(res.headers['content-type'], /csv/);
  t.equal(auditCount(ctx.app, 'users.export'), 0);
});
