import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import t from 'tap';
import { Client } from '../helpers/app.js';
import { addUser, signedInHelper } from '../helpers/directory.js';
import { auditCount, finishedJob } from '../helpers/bulk.js';
import { confirmImport, importReady, mapColumns, previewNow, previewOf, uploadCsv } from '../helpers/import.js';

const HAPPY = [
  'Last Name,First Name,User Type,Email,Groups,Territory,Supervisor,Role,Licence',
  'Holm,Åsa,Employee,asa@example.com,"Sales; Support",North,boss,Agent,full',
  'Berg,Per,contractor,,sales,,asa.holm,,',
  'Öberg,Ann,Employee,,,,,,',
].join('\r\n');

type Ctx = Awaited<ReturnType<typeof importReady>>;
const userCount = (ctx: Ctx) => ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;
const stored = (ctx: Ctx, username: string) =>
  ctx.db.get<Record<string, unknown>>(sql`select * from users where username = ${username}`);
const groupsOf = (ctx: Ctx, username: string) =>
  ctx.db
    .all<{ name: string }>(
      sql`select g.name from user_groups m join groups g on g.id = m.ref_id join users u on u.id = m.user_id
          where u.username = ${username} order by g.name`,
    )
    .map((r) => r.name);

t.test('upload, preview, confirm: the users are created with their groups, territory and supervisor', async (t) => {
  const ctx = await importReady(t);
  const list = await ctx.browser.get('/users');
  t.match(list.body, 'href="/users/import"', 'the list links to the import');

  const before = auditCount(ctx.app, 'user.create');
  const { uploaded, location, page } = await previewOf(ctx.app, ctx.browser, HAPPY);
  t.equal(uploaded.statusCode, 303);
  t.match(location, /^\/users\/import\/[a-f0-9]{32}$/);
  t.match(page.body, /<strong>3 users<\/strong> will be created/);
  t.match(page.body, /Nothing has been saved yet/);
  t.match(page.body, /asa\.holm/, 'the username made from the names is shown');
  t.match(page.body, /ann\.oberg/, 'diacritics are dropped from a made-up username');
  t.equal(auditCount(ctx.app, 'user.create'), before, 'the preview writes nothing');
  t.notOk(stored(ctx, 'asa.holm'));

  const started = await confirmImport(ctx.browser, location);
  const { page: summary, job } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'done', job.error ?? '');
  t.match(summary.body, /3 users imported from people\.csv/);
  t.match(summary.body, /no password yet/);
  t.match(summary.body, /href="\/users\?field=created&amp;op=after&amp;value=/, 'links to the new users');

  const asa = stored(ctx, 'asa.holm')!;
  t.equal(asa.first_name, 'Åsa');
  t.equal(asa.email, 'asa@example.com');
  t.equal(asa.licence_type, 'full');
  t.equal(asa.password_hash, null, 'imported users have no password');
  t.same(groupsOf(ctx, 'asa.holm'), ['Sales', 'Support']);
  t.same(groupsOf(ctx, 'per.berg'), ['Sales'], 'names match whatever their case');
  const per = stored(ctx, 'per.berg')!;
  t.equal(per.supervisor_id, asa.id, 'a supervisor from the same file is linked');
  t.equal(asa.supervisor_id, ctx.boss.id, 'a supervisor already in Roster is linked');
  t.equal(stored(ctx, 'ann.oberg')!.role_id, null, 'the role may be left for later');
  t.equal(auditCount(ctx.app, 'user.create') - before, 3, 'one audit entry per user');
  const entry = ctx.db.get<{ changes: string; detail: string; target_name: string }>(
    sql`select changes, detail, target_name from audit_entries where target_user_id = ${asa.id as number}`,
  )!;
  t.equal(entry.target_name, 'Åsa Holm');
  t.match(entry.detail, /Imported from a CSV file/);
  t.match(JSON.parse(entry.changes), {
    username: [null, 'asa.holm'],
    groups: [null, ['Sales', 'Support']],
    territory: [null, 'North'],
    supervisor: [null, 'Bo Ssman · boss'],
  });
  t.match(
    JSON.parse(
      ctx.db.get<{ changes: string }>(
        sql`select changes from audit_entries where target_user_id = ${per.id as number}`,
      )!.changes,
    ),
    {
      supervisor: [null, /^Åsa Holm · /],
    },
  );

  const filtered = await ctx.browser.get('/users?q=holm');
  t.match(filtered.body, /Åsa/, 'the new users are found by search: derived fields were refreshed');
  const inNorth = await ctx.browser.get(`/users?territory=${asa.territory_id}`);
  t.match(inNorth.body, /asa@example\.com/);

  const again = await ctx.browser.post(location);
  t.equal(again.statusCode, 404, 'a finished import cannot be confirmed again');
});

t.test('the template has every column, required ones first among them', async (t) => {
  const ctx = await importReady(t);
  const res = await ctx.browser.get('/users/import/template.csv');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/csv/);
  t.match(res.headers['content-disposition'], /attachment; filename="roster-users-template.csv"/);
  t.equal(
    res.body,
    '\ufeffUsername,First Name,Last Name,Full Name,Signature,Email,Phone,Extension,User Type,Role,Territory,Groups,Teams,Companies,Add-ons,Databases,Supervisor,Licence,Status,Notes\n',
  );
  const page = await ctx.browser.get('/users/import');
  t.match(page.body, 'href="/users/import/template.csv"');
  t.match(page.body, 'enctype="multipart/form-data"');
});

t.test('a file that cannot be read as a whole comes back with a clear reason', async (t) => {
  const ctx = await importReady(t);
  const missing = await uploadCsv(ctx.app, ctx.browser, 'First Name,Surname,Email\nÅsa,Holm,a@example.com\n');
  t.equal(missing.statusCode, 303, 'the file is kept: its columns are shown to be matched');
  const location = String(missing.headers.location).replace(/\/columns$/, '');
  const { page } = await mapColumns(ctx.app, ctx.browser, location);
  t.equal(page.statusCode, 422, 'without a user type column, one must be chosen for new users');
  t.match(page.body, /No column gives the user type: choose the user type new users get/);

  const unclosed = await previewOf(
    ctx.app,
    ctx.browser,
    'Last Name,First Name,User Type\nHolm,Åsa,Employee\nBerg,"Per,Employee\nLund,Eva,Employee\n',
  );
  t.match(unclosed.page.body, /Line 3: a value opens with a quote \(&quot;\) that is never closed/);

  const empty = await uploadCsv(ctx.app, ctx.browser, '');
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /The file is empty/);

  const headerOnly = await previewOf(ctx.app, ctx.browser, 'Last Name,First Name,User Type\n');
  t.match(headerOnly.page.body, /a header line but no users under it/);

  const doubled = await previewOf(ctx.app, ctx.browser, 'Last Name,Surname,First Name,User Type\nA,B,C,Employee\n', {
    column1: 'lastName',
  });
  t.equal(doubled.page.statusCode, 422);
  t.match(doubled.page.body, /“Last Name” and “Surname” are both mapped to Last Name. Map only one of them/);

  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64',
  );
  const image = await uploadCsv(ctx.app, ctx.browser, png, { filename: 'people.csv' });
  t.equal(image.statusCode, 422);
  t.match(image.body, /This file is not text/);

  const big = await uploadCsv(ctx.app, ctx.browser, Buffer.alloc(50 * 1024 * 1024 + 10, 'a'));
  t.equal(big.statusCode, 413);
  t.match(big.body, /larger than 50 MB/);
});

t.test('Excel on Windows: Latin-1 bytes, semicolons, unknown columns', async (t) => {
  const ctx = await importReady(t);
  const file = iconv.encode(
    'Efternamn;Last Name;First Name;User Type;Groups\r\nx;Holm;Åsa;Employee;Sales,Support\r\n;;;;\r\n',
    'latin1',
  );
  const { page, location } = await previewOf(ctx.app, ctx.browser, file);
  t.match(page.body, /windows-1252 · 1 row/);
  t.match(page.body, /<td>Åsa<\/td>/);
  t.match(page.body, /“Efternamn”/, 'an unknown column is named as left out');
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'done');
  t.equal(stored(ctx, 'asa.holm')!.first_name, 'Åsa');
  t.same(groupsOf(ctx, 'asa.holm'), ['Sales', 'Support']);

  const bom = await previewOf(ctx.app, ctx.browser, '\ufeffLast Name,First Name,User Type\nHolm,Åsa,Employee\n');
  t.match(bom.page.body, /UTF-8 · 1 row/);
  t.match(bom.page.body, /asa\.holm2/, 'a made-up username steps past one already taken');
});

t.test('every row with a problem is listed, and the error report has them with the row', async (t) => {
  const ctx = await importReady(t);
  const file = [
    'Username,Last Name,First Name,User Type,Email,Groups,Territory,Supervisor,Licence,Status',
    'ok1,Holm,Åsa,Employee,,,,,,',
    'ann,Berg,Per,Employee,,,,,,',
    'dup,Lund,Eva,Employee,not-an-email,Sales;Marketing,South,nobody,gold,retired',
    'dup,,Ola,Manager,,,,,,',
    'bad name,Nord,Kim,Employee,,,,bad name,,',
    'c1,Ek,Cy,Employee,,,,c2,,',
    'c2,Ek,Di,Employee,,,,c1,,',
  ].join('\n');
  const before = userCount(ctx);
  const { page, location } = await previewOf(ctx.app, ctx.browser, file);
  t.match(page.body, /6 rows of 7 have 15 problems, so nothing can be imported yet/);
  t.notMatch(page.body, /Create \d/, 'confirming is not offered');
  for (const expected of [
    /<td>3<\/td><td>Username<\/td><td>This username is already taken. To update that user, choose an update mode.<\/td>/,
    /<td>4<\/td><td>Username<\/td><td>Username “dup” is in the file more than once \(lines 4, 5\).<\/td>/,
    /<td>4<\/td><td>Email<\/td><td>Enter an email address like name@example.com.<\/td>/,
    /<td>4<\/td><td>Groups<\/td><td>Unknown group “Marketing”.<\/td>/,
    /<td>4<\/td><td>Territory<\/td><td>Unknown territory “South”.<\/td>/,
    /<td>4<\/td><td>Supervisor<\/td><td>No user “nobody” to be the supervisor.<\/td>/,
    /<td>4<\/td><td>Licence<\/td><td>Unknown licence “gold”: use full, viewer, none.<\/td>/,
    /<td>4<\/td><td>Status<\/td><td>Unknown status “retired”: use active, inactive.<\/td>/,
    /<td>5<\/td><td>Last Name<\/td><td>Missing last name.<\/td>/,
    /<td>5<\/td><td>User Type<\/td><td>Unknown user type “Manager”.<\/td>/,
    /<td>6<\/td><td>Username<\/td><td>Use up to 64 letters/,
    /<td>6<\/td><td>Supervisor<\/td><td>A user cannot supervise themselves.<\/td>/,
    /<td>7<\/td><td>Supervisor<\/td><td>Supervisors go round in a circle: c1 → c2 → c1.<\/td>/,
    /<td>8<\/td><td>Supervisor<\/td><td>Supervisors go round in a circle: c2 → c1 → c2.<\/td>/,
  ]) {
    t.match(page.body, expected);
  }

  const report = await ctx.browser.get(`${location}/errors.csv`);
  t.equal(report.statusCode, 200);
  t.match(report.headers['content-disposition'], /filename="people-errors.csv"/);
  const lines = report.body
    .replace(/^\ufeff/, '')
    .trim()
    .split('\n');
  t.equal(
    lines[0],
    'Line,Username,Last Name,First Name,User Type,Email,Groups,Territory,Supervisor,Licence,Status,Errors',
  );
  t.equal(lines.length, 7, 'the header and the six failing rows');
  t.match(lines[1], /^3,ann,Berg,Per,Employee,,,,,,,"Username: This username is already taken\. To update/);
  t.match(
    lines[3],
    /^5,dup,,Ola,Manager,.*Username: Username “dup” is in the file more than once \(lines 4, 5\)\. Last Name: Missing last name\. User Type: Unknown user type “Manager”\./,
  );

  const started = await confirmImport(ctx.browser, location);
  const { job } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'failed', 'a confirm posted anyway is refused by the job');
  t.equal(userCount(ctx), before, 'and nothing is written');
});

t.test('text is stored as typed: markup is escaped on the page, formulas are not run anywhere', async (t) => {
  const ctx = await importReady(t);
  const file = [
    'Last Name,First Name,User Type,Notes,Groups',
    '"<script>alert(1)</script>","<img src=x onerror=alert(2)>",Employee,"=HYPERLINK(""http://evil"")",',
    'Formula,"=1+2",Employee,@SUM(A1),"<b>Nope</b>"',
  ].join('\n');
  const { page, location } = await previewOf(ctx.app, ctx.browser, file);
  t.notMatch(page.body, /<script>alert|<img src=x/, 'no markup from the file reaches the page');
  t.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(page.body, /Unknown group “&lt;b&gt;Nope&lt;\/b&gt;”/);

  const report = await ctx.browser.get(`${location}/errors.csv`);
  t.match(report.body, /'=1\+2/, 'the error report neutralises formulas');
  t.match(report.body, /'@SUM\(A1\)/);

  const clean = await previewOf(ctx.app, ctx.browser, file.split('\n').slice(0, 2).join('\n'));
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, clean.location));
  t.equal(job.state, 'done');
  const user = ctx.db.get<{ last_name: string; first_name: string; notes: string; username: string }>(
    sql`select last_name, first_name, notes, username from users where last_name like '<script>%'`,
  )!;
  t.equal(user.first_name, '<img src=x onerror=alert(2)>', 'stored as plain text');
  t.equal(user.notes, '=HYPERLINK("http://evil")', 'a formula is kept as text, never evaluated');
  t.equal(user.username, 'imgsrcxonerroralert2.scriptalert1script', 'a made-up username holds letters and digits only');
});

t.test('all or nothing: a username taken between the preview and the confirmation stops the import', async (t) => {
  const ctx = await importReady(t);
  const { page, location } = await previewOf(
    ctx.app,
    ctx.browser,
    'Username,Last Name,First Name,User Type\nnew1,One,New,Employee\nnew2,Two,New,Employee\n',
  );
  t.match(page.body, /<strong>2 users<\/strong> will be created/);
  addUser(ctx.db, { username: 'NEW2', firstName: 'Quick', lastName: 'Er' });
  const before = userCount(ctx);
  const audits = auditCount(ctx.app, 'user.create');
  const { job, page: summary } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'failed');
  t.match(
    summary.body,
    /1 problem found since the preview, such as line 3: This username is already taken\. To update that user, choose an update mode\. Upload the file again/,
  );
  t.match(summary.body, /Nothing was changed/);
  t.equal(userCount(ctx), before, 'not even the first row was created');
  t.equal(auditCount(ctx.app, 'user.create'), audits);
  const preview = await previewNow(ctx.app, ctx.browser, location);
  t.match(preview.body, /This username is already taken/, 'the file is kept to show what went wrong');
});

t.test('a username made from the names and taken since the preview stops the import too', async (t) => {
  const ctx = await importReady(t);
  const { page, location } = await previewOf(
    ctx.app,
    ctx.browser,
    'Last Name,First Name,User Type\nHolm,Åsa,Employee\n',
  );
  t.match(page.body, /asa\.holm/);
  addUser(ctx.db, { username: 'asa.holm', firstName: 'Åsa', lastName: 'Holm' });
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'failed');
  t.match(job.error, /A username made from the names has been taken since the preview/);
  t.notOk(stored(ctx, 'asa.holm2'), 'nobody was created under another name than the one shown');

  const again = await previewNow(ctx.app, ctx.browser, location);
  t.match(again.body, /asa\.holm2/, 'the preview now shows the name the import would use');
  const { job: done } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(done.state, 'done');
  t.ok(stored(ctx, 'asa.holm2'));
});

t.test('who may import: superusers only, with the CSRF token, each their own upload', async (t) => {
  const ctx = await importReady(t);
  const { location } = await previewOf(ctx.app, ctx.browser, HAPPY);

  const noToken = await uploadCsv(ctx.app, ctx.browser, HAPPY, { csrf: false });
  t.equal(noToken.statusCode, 403, 'an upload without the CSRF token is refused');
  const confirmNoToken = await ctx.app.inject({
    method: 'POST',
    url: location,
    headers: { cookie: ctx.browser.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: '',
  });
  t.equal(confirmNoToken.statusCode, 403, 'a confirmation without the CSRF token is refused');

  const { client: scoped } = await signedInHelper(ctx.app, 'admin', { permissions: ['view', 'edit'] });
  t.equal((await scoped.get('/users/import')).statusCode, 403, 'without the import permission, nobody imports');
  await scoped.get('/users');
  t.equal((await uploadCsv(ctx.app, scoped, HAPPY)).statusCode, 403);
  t.equal((await scoped.get(location)).statusCode, 403);

  const other = new Client(ctx.app);
  addUser(ctx.db, {
    username: 'root2',
    adminRole: 'superuser',
    passwordHash: stored(ctx, 'admin')!.password_hash as string,
  });
  await other.signIn('root2');
  await other.get('/users/import');
  t.equal((await other.get(location)).statusCode, 404, 'another superuser cannot read the upload');
  t.equal((await other.get(`${location}/errors.csv`)).statusCode, 404);
  t.equal((await other.post(location)).statusCode, 404, 'nor confirm it');
  t.equal((await other.get('/users/import/..%2F..%2Froster')).statusCode, 404);
  t.notOk(stored(ctx, 'asa.holm'), 'nothing was imported');

  const signedOut = await ctx.app.inject({ method: 'GET', url: '/users/import' });
  t.equal(signedOut.statusCode, 302, 'signed out, the page sends to sign-in');
});
