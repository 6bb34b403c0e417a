import t from 'tap';
import { sql } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { PERMISSIONS } from '../../src/db/schema.js';
import { bulkTeam, finishedJob, ticked } from '../helpers/bulk.js';
import { addUser, signedInHelper } from '../helpers/directory.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';
import { Client } from '../helpers/app.js';

const recipients = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((a) => a.address) ?? []);
const byRecipient = (received: ParsedMail[]) => new Map(received.map((m) => [recipients(m).join(','), m]));
const LINK = /https:\/\/roster\.example\.com\/set-password\?token=([A-Za-z0-9_-]{43})/;

t.test('mail actions are offered only once mail is set up, and only with the email permission', async (t) => {
  const ctx = await bulkTeam(t);
  const offered = (body: string) =>
    ['Email details…', 'Send set-password link…', 'Resend welcome…', 'Compose email…'].filter((label) =>
      body.includes(`>${label}</option>`),
    );
  t.same(offered((await ctx.browser.get('/users')).body), [], 'not in the bulk bar before mail is set up');
  t.notMatch(
    (await ctx.browser.get(`/users/${ctx.ann.id}`)).body,
    /<h2 id="mail-heading">Email<\/h2>/,
    'nor on the user page',
  );
  const refused = await ctx.browser.post('/users/bulk', ticked('mail-details', ctx.ann.id));
  t.equal(refused.statusCode, 422);
  t.match(refused.body, 'Mail is not set up, so nothing can be sent.');

  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  t.same(offered((await ctx.browser.get('/users')).body), [
    'Email details…',
    'Send set-password link…',
    'Resend welcome…',
    'Compose email…',
  ]);
  const page = (await ctx.browser.get(`/users/${ctx.ann.id}`)).body;
  t.match(page, 'Mail goes to <strong>ann@example.com</strong>.');
  t.match(page, '>Email details…</button>');
  t.match(page, '>Send set-password link</button>');
  t.match(page, '>Resend welcome…</button>');
  t.match(page, 'href="mailto:ann@example.com">Compose email</a>');
  // From the user page, Cancel and the summary lead back to that user.
  const fromPage: [string, string][] = [...ticked('mail-details', ctx.ann.id), ['back', `/users/${ctx.ann.id}`]];
  const confirm = await ctx.browser.post('/users/bulk', fromPage);
  t.match(confirm.body, `<a class="button" href="/users/${ctx.ann.id}">Cancel</a>`);
  t.match(confirm.body, `<input type="hidden" name="back" value="/users/${ctx.ann.id}">`);
  const { page: summary } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', fromPage),
  );
  t.match(summary.body, `href="/users/${ctx.ann.id}">Back to the user</a>`);
  t.match(
    (await ctx.browser.post('/users/bulk', [...ticked('mail-details', ctx.ann.id), ['back', 'https://evil.example']]))
      .body,
    '<a class="button" href="/users">Cancel</a>',
    'only a user page is taken',
  );
  t.match(
    (await ctx.browser.get(`/users/${ctx.di.id}`)).body,
    'This user has no email address, so no mail can be sent to them.',
  );

  const queuedBefore = ctx.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n;
  // Every permission but email: no mail action anywhere, and a hand-made post is refused.
  const helper = await signedInHelper(ctx.app, 'admin', {
    permissions: PERMISSIONS.filter((p) => p !== 'email'),
    scope: { groups: [ctx.sales] },
  });
  t.same(offered((await helper.client.get('/users')).body), []);
  t.notMatch((await helper.client.get(`/users/${ctx.ann.id}`)).body, /mail-heading/);
  t.equal((await helper.client.post('/users/bulk', ticked('mail-details', ctx.ann.id))).statusCode, 403);
  t.equal((await helper.client.post('/users/bulk/apply', ticked('mail-details', ctx.ann.id))).statusCode, 403);
  t.equal((await helper.client.post(`/users/${ctx.ann.id}/set-password-mail`)).statusCode, 403);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n, queuedBefore, 'nothing queued');
});

t.test('Email details: one mail per user with an address, the others counted as skipped', async (t) => {
  const ctx = await bulkTeam(t);
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  // Ed has no email field, but his username is an address: that is where his mail goes.
  const ed = addUser(ctx.db, { username: 'ed@example.org', firstName: 'Ed', lastName: 'Ek' });
  const chosen = [ctx.ann.id, ctx.cy.id, ctx.di.id, ed.id];

  const confirm = await ctx.browser.post('/users/bulk', ticked('mail-details', ...chosen));
  t.match(confirm.body, /<h1 id="confirm-heading">Email sign-in details<\/h1>/);
  t.match(confirm.body, '<strong>3 users</strong> will get a mail, one each, of 4 users selected.');
  t.match(confirm.body, '<strong>1 user</strong> has no email address and will be skipped.');
  t.match(confirm.body, 'Email details to 3 users</button>');

  const { page } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('mail-details', ...chosen)),
  );
  t.match(page.body, '3 users will get their sign-in details by email.');
  t.match(page.body, /<dt>Emailed<\/dt><dd>3<\/dd>/);
  t.match(page.body, /<dt>Skipped: no email address<\/dt><dd>1<\/dd>/);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from audit_entries where action = 'user.mail'`)!.n, 3);

  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 3, failed: 0 });
  const mails = byRecipient(smtp.received);
  t.same(
    [...mails.keys()].sort(),
    ['ann@example.com', 'cy@example.com', 'ed@example.org'],
    'one recipient a mail, never a shared To',
  );
  const ann = mails.get('ann@example.com')!;
  t.equal(ann.subject, 'Your Roster sign-in details');
  t.notOk(ann.cc, 'no copies');
  t.match(ann.text, 'Hello Ann Öberg,');
  t.match(ann.text, 'Username: ann\nSign in at: https://roster.example.com/login');
  t.match(ann.html, '<strong>ann</strong>');
  t.match(ann.html, 'href="https://roster.example.com/login"');
  t.match(mails.get('ed@example.org')!.text, 'Username: ed@example.org');
});

t.test('when none of the selected users has an address, the action says so instead of running', async (t) => {
  const ctx = await bulkTeam(t);
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  for (const action of ['mail-details', 'mail-link', 'mail-welcome']) {
    const confirm = await ctx.browser.post('/users/bulk', ticked(action, ctx.di.id, ctx.boss.id));
    t.match(confirm.body, 'None of the selected users has an email address, so there is nobody to send to.', action);
    t.notMatch(confirm.body, /action="\/users\/bulk\/apply"/, `${action} offers no button to go ahead`);
  }
  const compose = await ctx.browser.post('/users/bulk', ticked('compose', ctx.di.id));
  t.match(compose.body, 'None of the selected users has an email address, so there is nobody to write to.');
  t.notMatch(compose.body, /mailto:/);
});

t.test('set-password links and welcome mails for a selection', async (t) => {
  const ctx = await bulkTeam(t);
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  // Cy has a password; Ann has none.
  ctx.db.run(sql`update users set password_hash = 'x', must_change_password = 1 where id = ${ctx.cy.id}`);

  const confirm = await ctx.browser.post('/users/bulk', ticked('mail-welcome', ctx.ann.id, ctx.cy.id, ctx.admin.id));
  t.match(confirm.body, '<strong>2 users</strong> will get a mail, one each, of 3 users selected.');
  t.match(confirm.body, 'Change your own password from your account instead.', 'your own account is left alone');
  await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('mail-welcome', ctx.ann.id, ctx.cy.id)),
  );
  await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/apply', ticked('mail-link', ctx.cy.id)));
  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 3, failed: 0 });

  const find = (to: string, subject: string) =>
    smtp.received.find((m) => recipients(m)[0] === to && m.subject === subject);
  const annWelcome = find('ann@example.com', 'Welcome to Roster');
  const cyWelcome = find('cy@example.com', 'Welcome to Roster');
  const cyLink = find('cy@example.com', 'Set your Roster password');
  t.equal(annWelcome!.subject, 'Welcome to Roster');
  t.match(annWelcome!.text, 'Your username is ann.');
  t.match(annWelcome!.text, /for 7 days/, 'an invitation lasts the configured days');
  t.match(annWelcome!.html, /href="https:\/\/roster\.example\.com\/set-password\?token=/);
  const invitation = ctx.db.get<{ purpose: string; days: number }>(
    sql`select purpose, (expires_at - created_at) / 86400000.0 as days from password_tokens where user_id = ${ctx.ann.id}`,
  )!;
  t.same(invitation, { purpose: 'invitation', days: 7 });
  const anon = new Client(ctx.app);
  t.equal(
    (await anon.get(`/set-password?token=${LINK.exec(annWelcome!.text ?? '')![1]}`)).statusCode,
    200,
    'the invitation opens the form',
  );

  t.match(cyLink!.text, LINK, 'a set-password link, to a user who has a password');
  t.notMatch(cyWelcome!.text, /set-password/, 'with a password, the welcome carries no link');
  t.match(cyWelcome!.text, 'Username: cy\nSign in at: https://roster.example.com/login');
  t.match(cyWelcome!.text, 'You choose your own when you first sign in.');
  t.equal(
    ctx.db.get<{ h: string }>(sql`select password_hash as h from users where id = ${ctx.cy.id}`)!.h,
    'x',
    'sending a link leaves the password as it was',
  );
});

t.test('Compose email: a mailto link with the addresses in BCC, or the addresses to copy and download', async (t) => {
  const ctx = await bulkTeam(t);
  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  ctx.db.run(sql`update users set email = 'ada@example.com' where id = ${ctx.admin.id}`);
  const small = await ctx.browser.post('/users/bulk', ticked('compose', ctx.ann.id, ctx.cy.id, ctx.di.id));
  t.match(small.body, '<strong>2 addresses</strong> for 3 users selected.');
  t.match(small.body, '<strong>1 user</strong> has no email address and is skipped.');
  t.match(small.body, 'href="mailto:ada@example.com?bcc=ann@example.com,cy@example.com">Open in your mail program</a>');

  // 120 users with long addresses: the link would pass 2,000 characters.
  ctx.db.run(sql`insert into users (username, last_name, name_sort, email)
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 120)
    select 'many' || i, 'Many', 'many', 'a.rather.long.mailbox.name.' || i || '@example.com' from n`);
  const many = ctx.db.all<{ id: number }>(sql`select id from users where username like 'many%'`).map((u) => u.id);
  const large = await ctx.browser.post('/users/bulk', ticked('compose', ...many));
  t.match(large.body, '<strong>120 addresses</strong> for 120 users selected.');
  t.notMatch(large.body, /mailto:/);
  t.match(large.body, '<label for="compose-addresses">Addresses, separated by commas</label>');
  t.match(
    large.body,
    /<textarea id="compose-addresses"[^>]*readonly>a\.rather\.long\.mailbox\.name\.100@example\.com, a\.rather/,
  );
  const file = await ctx.browser.post('/users/bulk/compose/addresses', ticked('compose', ...many).slice(1));
  t.equal(file.statusCode, 200);
  t.match(file.headers['content-disposition'], 'attachment; filename="addresses.txt"');
  t.equal(file.body.trim().split('\n').length, 120);

  ctx.db.run(sql`insert into users (username, last_name, name_sort, email)
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000)
    select 'crowd' || i, 'Crowd', 'crowd', 'crowd' || i || '@example.com' from n`);
  const over = await ctx.browser.post('/users/bulk', [
    ['action', 'compose'],
    ['all', '1'],
    ['query', ''],
  ]);
  t.match(over.body, 'Compose works for at most 5,000 addresses at a time, and these users have 5,123: select fewer.');
  t.notMatch(over.body, /<textarea/);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n, 0, 'Compose sends nothing itself');
});
