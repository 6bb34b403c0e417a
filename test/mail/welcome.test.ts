import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { importReady, previewOf } from '../helpers/import.js';
import { finishedJob } from '../helpers/bulk.js';
import { referenceId, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';
import { Client } from '../helpers/app.js';
import { type Pairs, postForm } from '../helpers/user-form.js';

const LINK = /https:\/\/roster\.example\.com\/set-password\?token=([A-Za-z0-9_-]{43})/;
const CHOSEN = 'a chosen passphrase for newbie';
const to = (mail: ParsedMail) => (mail.to && 'text' in mail.to ? mail.to.text : '');

async function setUp(t: Test) {
  const ctx = await signedInWithAnnAndBoss(t);
  const smtp = await startSmtpServer(t);
  const ref = {
    employee: referenceId(ctx.db, 'user_types', 'Employee'),
    manager: referenceId(ctx.db, 'roles', 'Manager'),
  };
  const newUser = (fields: Record<string, string>): Pairs => [
    ['username', fields.username ?? 'newbie'],
    ['firstName', 'New'],
    ['lastName', 'Bie'],
    ['userTypeId', String(ref.employee)],
    ['roleId', String(ref.manager)],
    ['licenceType', 'none'],
    ['status', 'active'],
    ['kind', 'user'],
    ...Object.entries(fields).filter(([name]) => name !== 'username'),
  ];
  const create = async (fields: Record<string, string>) => {
    await ctx.browser.get('/users/new');
    const res = await postForm(ctx.app, ctx.browser, '/users', newUser(fields));
    t.equal(res.statusCode, 303, 'created');
    return (await ctx.browser.get(String(res.headers.location))).body;
  };
  return { ...ctx, smtp, create };
}

t.test('the welcome box is offered on New once mail is set up, to an administrator who may email', async (t) => {
  const ctx = await setUp(t);
  t.notMatch((await ctx.browser.get('/users/new')).body, /name="sendWelcome"/);
  useSmtpServer(ctx.app, ctx.smtp.port, ctx.admin.id);
  t.match(
    (await ctx.browser.get('/users/new')).body,
    '<input type="checkbox" name="sendWelcome" id="field-sendWelcome" aria-describedby="hint-sendWelcome" checked> Send a welcome mail',
  );
  t.match((await ctx.browser.get(`/users/new?from=${ctx.ann.id}`)).body, /name="sendWelcome"/, 'and on Clone');
  t.notMatch((await ctx.browser.get(`/users/${ctx.ann.id}/edit`)).body, /name="sendWelcome"/, 'never on Edit');
  const page = await ctx.create({ email: 'newbie@example.com', passwordMode: 'none' });
  t.notMatch(page, /welcome mail/, 'unticked, nothing is said or sent');
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n, 0);
});

t.test('a new user without a password gets an invitation that lasts the configured days', async (t) => {
  const ctx = await setUp(t);
  useSmtpServer(ctx.app, ctx.smtp.port, ctx.admin.id);
  await ctx.browser.get('/settings/mail');
  const wrong = await ctx.browser.post('/settings/mail/invitation', { invitationDays: '0' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, 'Enter a whole number of days from 1 to 90.');
  t.match(wrong.body, /id="field-invitationDays" name="invitationDays" type="number" value="0"/, 'the input is kept');
  await ctx.browser.post('/settings/mail/invitation', { invitationDays: '3' });
  t.match((await ctx.browser.get('/settings/mail')).body, /name="invitationDays" type="number" value="3"/);
  t.match(
    ctx.db.get<{ changes: string }>(
      sql`select changes from audit_entries where action = 'settings.mail' order by id desc`,
    )!.changes,
    '"invitationDays":[7,3]',
  );

  const page = await ctx.create({ email: 'newbie@example.com', passwordMode: 'none', sendWelcome: 'on' });
  t.match(page, 'New Bie was created. A welcome mail is on its way to newbie@example.com.');
  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 1, failed: 0 });
  const mail = ctx.smtp.received[0]!;
  t.equal(to(mail), 'newbie@example.com');
  t.equal(mail.subject, 'Welcome to Roster');
  t.match(mail.text, 'Welcome, New Bie.');
  t.match(mail.text, 'Your username is newbie.');
  t.match(mail.text, 'The link works once, for 3 days');
  t.match(mail.html, '<strong>newbie</strong>');
  t.match(mail.html, /href="https:\/\/roster\.example\.com\/set-password\?token=/);
  const token = ctx.db.get<{ purpose: string; days: number }>(
    sql`select purpose, (expires_at - created_at) / 86400000.0 as days from password_tokens`,
  )!;
  t.same(token, { purpose: 'invitation', days: 3 });
  const person = new Client(ctx.app);
  t.equal((await person.get(`/set-password?token=${LINK.exec(mail.text ?? '')![1]}`)).statusCode, 200);
});

t.test('with a chosen password the welcome names the username and sign-in address, never the password', async (t) => {
  const ctx = await setUp(t);
  useSmtpServer(ctx.app, ctx.smtp.port, ctx.admin.id);
  // The username is an address and the email field is empty: the mail goes to the username.
  await ctx.create({
    username: 'newbie@example.org',
    passwordMode: 'set',
    password: CHOSEN,
    mustChangePassword: 'on',
    sendWelcome: 'on',
  });
  const generated = await ctx.create({ username: 'gen', passwordMode: 'generate', sendWelcome: 'on' });
  t.match(generated, 'No welcome mail was sent: the user has no email address.');
  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 1, failed: 0 });
  const mail = ctx.smtp.received[0]!;
  t.equal(to(mail), 'newbie@example.org');
  t.match(mail.text, 'Username: newbie@example.org\nSign in at: https://roster.example.com/login');
  t.match(mail.text, 'it is never sent by mail. You choose your own when you first sign in.');
  t.notMatch(mail.text, CHOSEN);
  t.notMatch(mail.html, CHOSEN);
  t.notMatch(mail.text, /set-password/, 'no link: the account has a password');
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from password_tokens`)!.n, 0);
});

t.test('an import can send each new user a welcome mail', async (t) => {
  const ctx = await importReady(t);
  const smtp = await startSmtpServer(t);
  const file =
    'Username,First Name,Last Name,User Type,Email\nkim,Kim,Lee,Employee,kim@example.com\nlou,Lou,Ma,Employee,\n';
  const before = await previewOf(ctx.app, ctx.browser, file);
  t.notMatch(before.page.body, /name="sendWelcome"/, 'not offered before mail is set up');
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  const { location, page } = await previewOf(ctx.app, ctx.browser, file);
  t.match(
    page.body,
    '<label class="choice"><input type="checkbox" name="sendWelcome"> Send each new user a welcome mail with a link to choose their password</label>',
  );
  const usernames = /name="usernames" value="([^"]*)"/.exec(page.body)![1]!;
  const { page: done } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post(location, { usernames, sendWelcome: 'on' }),
  );
  t.match(done.body, '1 user with an email address will get a welcome mail with a link to choose their password.');
  t.match(done.body, /<dt>Welcome mails<\/dt><dd>1<\/dd>/);
  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 1, failed: 0 });
  t.equal(to(smtp.received[0]!), 'kim@example.com');
  t.match(smtp.received[0]!.text, LINK);
});
