import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, portalSignIn, signedInClient } from '../helpers/portal.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';
import { shownRecoveryCodes } from './fixture.js';

/** The code in the last mail that arrived, read from its text as a person reads it. */
function lastCode(received: { text?: string }[]): string {
  const match = /\b(\d{6})\b/.exec(received.at(-1)?.text ?? '');
  if (!match) throw new Error('no code in the mail');
  return match[1]!;
}

t.test('a managed user gets codes by email: enrolment and sign-in through a real SMTP server', async (t) => {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const smtp = await startSmtpServer(t);
  useSmtpServer(app, smtp.port, admin.id);
  const user = await addManagedUser(app);
  const client = await signedInClient(app);

  const account = await client.get('/account');
  t.match(account.body, 'Set up two-step verification');
  const status = await client.get('/account/two-step');
  t.match(status.body, 'a 6-digit code is sent to <strong>Mira.Novak@example.com</strong>');

  const asked = await client.post('/account/two-step/email');
  t.equal(asked.statusCode, 200);
  t.match(asked.body, 'A 6-digit code is on its way to Mira.Novak@example.com');
  await app.mail.sender.deliverDue();
  t.equal(smtp.received.length, 1);
  const mail = smtp.received[0]!;
  t.equal(mail.to && 'text' in mail.to ? mail.to.text : '', 'Mira.Novak@example.com', 'to the account’s own address');
  t.equal(mail.subject, 'Your Roster verification code');
  t.match(mail.html, /font-size:28px[^>]*>\d{6}<\/p>/, 'the HTML part carries the code');
  const stored = app.db.$client.prepare('select body, html from mail_queue').get() as { body: string; html: string };
  t.notMatch(stored.body, lastCode(smtp.received), 'the queue never kept the code itself');

  const again = await client.post('/account/two-step/email');
  t.match(again.body, 'A code was sent less than a minute ago', 'a second press sends no second mail');
  t.same(app.db.$client.prepare('select count(*) as n from mail_queue').get(), { n: 1 });

  t.equal((await client.post('/account/two-step/email/confirm', { code: '000000' })).statusCode, 422);
  const enrolled = await client.post('/account/two-step/email/confirm', { code: lastCode(smtp.received) });
  t.equal(enrolled.statusCode, 200);
  t.equal(shownRecoveryCodes(enrolled.body).length, 10);
  t.match((await client.get('/account/two-step')).body, 'code by email</strong>, sent to Mira.Novak@example.com');

  await client.post('/logout');
  const password = await portalSignIn(client);
  t.equal(password.headers.location, '/login/two-step');
  await app.mail.sender.deliverDue();
  t.equal(smtp.received.length, 2, 'the password sends a sign-in code');
  t.match(smtp.received[1]!.text, 'Enter it on the sign-in page');
  const page = await client.get('/login/two-step');
  t.match(page.body, 'We sent a 6-digit code to <strong>Mira.Novak@example.com</strong>');
  t.equal((await client.get('/account')).statusCode, 302, 'not signed in before the code');

  const code = lastCode(smtp.received);
  const signedIn = await client.post('/login/two-step', { code });
  t.equal(signedIn.statusCode, 303);
  t.equal(signedIn.headers.location, '/account');
  t.equal((await client.get('/account')).statusCode, 200);

  await client.post('/logout');
  await portalSignIn(client);
  await client.get('/login/two-step');
  t.equal((await client.post('/login/two-step', { code })).statusCode, 422, 'a used code is refused');

  await app.mail.sender.deliverDue();
  const fresh = lastCode(smtp.received);
  // Ten minutes later: the code has run out.
  app.db.$client.prepare('update two_step_codes set expires_at = ? where user_id = ?').run(Date.now() - 1, user.id);
  const expired = await client.post('/login/two-step', { code: fresh });
  t.equal(expired.statusCode, 422, 'an expired code is refused');
  t.match(expired.body, 'That code is not correct, or it has expired or been used');
});

t.test('email codes are offered only when mail is set up and the account has an address', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  await addManagedUser(app, { email: '' });
  const client = await signedInClient(app);
  const status = await client.get('/account/two-step');
  t.match(status.body, 'Your account has no email address');
  const refused = await client.post('/account/two-step/email');
  t.equal(refused.statusCode, 303);
  t.match((await client.get('/account/two-step')).body, 'Codes cannot be sent by email');
});

t.test('repeated wrong codes pause the second step, as wrong passwords pause sign-in', async (t) => {
  const app = await buildTestApp(t, { lockoutThreshold: 3 });
  const admin = await addSuperuser(app);
  const smtp = await startSmtpServer(t);
  useSmtpServer(app, smtp.port, admin.id);
  await addManagedUser(app, { twoStepMethod: 'email' });
  const client = new Client(app);
  await portalSignIn(client);
  await client.get('/login/two-step');
  await app.mail.sender.deliverDue();
  const code = lastCode(smtp.received);
  const wrong = code === '111111' ? '222222' : '111111';
  for (let i = 0; i < 2; i++) t.equal((await client.post('/login/two-step', { code: wrong })).statusCode, 422);
  const paused = await client.post('/login/two-step', { code: wrong });
  t.equal(paused.statusCode, 429, 'the third wrong code pauses');
  t.match(paused.body, 'Too many incorrect codes');
  const right = await client.post('/login/two-step', { code });
  t.equal(right.statusCode, 429, 'while paused even the right code is not checked');
  const audit = app.db.$client.prepare("select detail from audit_entries where action = 'two_step.failed'").all() as {
    detail: string;
  }[];
  t.match(audit.at(-1)?.detail, '3 failed sign-ins from', 'the pause is audited');
});
