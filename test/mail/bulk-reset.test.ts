import t from 'tap';
import { sql } from 'drizzle-orm';
import { existsSync, readFileSync } from 'node:fs';
import { verifyPassword } from '../../src/auth/passwords.js';
import { createSetPasswordToken } from '../../src/portal/set-password-tokens.js';
import { ADMIN_PASSWORD, Client } from '../helpers/app.js';
import { auditCount, bulkTeam, finishedJob, storedUser, ticked } from '../helpers/bulk.js';
import { signedInClient } from '../helpers/portal.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';

const sessionsOf = (ctx: Awaited<ReturnType<typeof bulkTeam>>, id: number) =>
  ctx.db.get<{ n: number }>(sql`select count(*) as n from sessions where user_id = ${id}`)!.n;

const LINK = /https:\/\/roster\.example\.com\/set-password\?token=([A-Za-z0-9_-]{43})/;

t.test('a bulk reset mails links to users with an address and makes temporary passwords for the others', async (t) => {
  const ctx = await bulkTeam(t);
  t.match((await ctx.browser.get('/users')).body, /Reset password \(temporary passwords\)…/, 'before mail is set up');
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  t.match((await ctx.browser.get('/users')).body, /Reset password \(email links\)…/, 'once mail is set up');

  // Ann (an address) and Di (none) are signed in to the portal; Ann holds an earlier link.
  ctx.db.run(
    sql`update users set password_hash = (select password_hash from users where username = 'admin') where id in (${ctx.ann.id}, ${ctx.di.id})`,
  );
  await signedInClient(ctx.app, 'ann', ADMIN_PASSWORD);
  await signedInClient(ctx.app, 'di', ADMIN_PASSWORD);
  const earlier = createSetPasswordToken(ctx.db, { id: ctx.admin.id, name: 'Ada Admin' }, ctx.ann).token;
  const chosen = [ctx.ann.id, ctx.cy.id, ctx.di.id, ctx.boss.id];

  const confirm = await ctx.browser.post('/users/bulk', ticked('reset', ...chosen));
  t.match(confirm.body, /<h1 id="confirm-heading">Reset passwords \(email links\)<\/h1>/);
  t.match(confirm.body, /<strong>2 users<\/strong> get a set-password link by email/);
  t.match(confirm.body, /<strong>2 users<\/strong> without an email address get a temporary password/);

  const { page, id } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('reset', ...chosen)),
  );
  t.match(page.body, /2 users will get a set-password link by email. 2 users got a temporary password/);
  t.match(page.body, /<dt>Links by email<\/dt><dd>2<\/dd>/);
  t.match(page.body, /<dt>Temporary passwords<\/dt><dd>2<\/dd>/);
  const shown = [...page.body.matchAll(/<tr><td>(\w+)<\/td>.*?<code>([A-Za-z0-9-]{23})<\/code>/g)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
  t.same(
    shown.map(([username]) => username).sort(),
    ['boss', 'di'],
    'temporary passwords only for those without an address',
  );
  for (const [username, password] of shown) {
    const user = storedUser(ctx.db, username === 'di' ? ctx.di.id : ctx.boss.id);
    t.equal(user.must_change_password, 1);
    t.ok(await verifyPassword(String(user.password_hash), password!), `${username}'s password works`);
  }
  for (const user of [ctx.ann, ctx.cy]) {
    const stored = storedUser(ctx.db, user.id);
    t.equal(stored.password_hash, null, `${user.username}'s old password stops working`);
    t.equal(stored.must_change_password, 0);
  }
  t.equal(sessionsOf(ctx, ctx.ann.id), 0, 'sessions ended for a user reset by mail');
  t.equal(sessionsOf(ctx, ctx.di.id), 0, 'and for a user with a temporary password');
  t.equal(auditCount(ctx.app, 'user.password'), 4);
  const details = ctx.db.all<{ target_name: string; detail: string }>(
    sql`select target_name, detail from audit_entries where action = 'user.password' order by target_name`,
  );
  t.same(
    details.map((d) => [d.target_name, d.detail.split(' in a bulk reset')[0]]),
    [
      ['Ann Öberg', 'Set-password link sent by email'],
      ['Bo Ssman', 'Temporary password made'],
      ['Cy Nordin', 'Set-password link sent by email'],
      ['Di Åhlund', 'Temporary password made'],
    ],
  );

  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 2, failed: 0 });
  const byRecipient = new Map(smtp.received.map((m) => [m.to && 'text' in m.to ? m.to.text : '', m]));
  t.same([...byRecipient.keys()].sort(), ['ann@example.com', 'cy@example.com']);
  const annToken = LINK.exec(byRecipient.get('ann@example.com')!.text ?? '')![1]!;

  ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)');
  const file = ctx.app.config.databaseFile;
  const stored = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
  t.notOk(stored.includes(annToken), 'the sent link is not readable in the database');
  t.same(ctx.db.all(sql`select status, secret_sealed from mail_queue`), [
    { status: 'sent', secret_sealed: null },
    { status: 'sent', secret_sealed: null },
  ]);

  const ann = new Client(ctx.app);
  t.equal((await ann.get(`/set-password?token=${earlier}`)).statusCode, 404, 'the earlier link stopped working');
  t.equal((await ann.get(`/set-password?token=${annToken}`)).statusCode, 200);
  const set = await ann.post('/set-password', {
    token: annToken,
    newPassword: 'a brand new passphrase',
    newPasswordConfirmation: 'a brand new passphrase',
  });
  t.equal(set.headers.location, '/login', 'the mailed link sets the password');
  t.equal(storedUser(ctx.db, ctx.ann.id).must_change_password, 0);
  t.equal(
    (await ctx.browser.get(`/jobs/${id}/passwords.csv`)).statusCode,
    200,
    'the CSV holds the temporary passwords',
  );
});

t.test('with everyone reached by mail, no temporary passwords are kept or offered', async (t) => {
  const ctx = await bulkTeam(t);
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  const { page, job } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('reset', ctx.ann.id, ctx.cy.id)),
  );
  t.match(page.body, /<p class="job-headline" role="status">2 users will get a set-password link by email.<\/p>/);
  t.notOk(job.hasSecret);
  t.notMatch(page.body, /Download the passwords/);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n, 2);
});

t.test('the temporary-password limit counts only users without an address when mail is set up', async (t) => {
  const ctx = await bulkTeam(t);
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  // 999 more without an address: with Di and Bo, 1,001 would need a temporary password.
  ctx.db.run(sql`insert into users (username, last_name, name_sort)
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 999)
    select 'extra' || i, 'Extra', 'extra' from n`);
  const all: [string, string][] = [
    ['action', 'reset'],
    ['all', '1'],
    ['query', ''],
  ];
  const over = await ctx.browser.post('/users/bulk', all);
  t.match(over.body, /at most 1,000 users at a time, and 1,001 of these users have no email address: select fewer/);
  const { job } = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/apply', all));
  t.equal(job.state, 'failed');
  t.match(job.error!, /and 1,001 selected users have no email address. Nothing was changed./);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n, 0, 'no mail for a refused reset');

  ctx.db.run(sql`update users set email = username || '@example.com' where username in ('extra1', 'extra2')`);
  const under = await ctx.browser.post('/users/bulk', all);
  t.notMatch(under.body, /select fewer/, 'users with an address do not count against the limit');
  t.match(under.body, /<strong>4 users<\/strong> get a set-password link by email/);
});
