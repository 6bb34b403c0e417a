import t from 'tap';
import type { Test } from 'tap';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, NEW_PASSWORD, reload, signedInClient } from '../helpers/portal.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';
import { passwordLinkRequestsSettled } from '../../src/portal/forgot-password-routes.js';
import { FORGOT_LIMITS } from '../../src/portal/forgot-password.js';

const LINK = /https:\/\/roster\.example\.com\/set-password\?token=([A-Za-z0-9_-]{43})/;

/** A page as anyone would compare two of them: the per-response CSRF token is random by design. */
const withoutToken = (body: string) => body.replace(/("x-csrf-token": "|name="_csrf" value=")[^"]+/g, '$1…');

async function mailReady(t: Test) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const smtp = await startSmtpServer(t);
  useSmtpServer(app, smtp.port, admin.id);
  const mira = await addManagedUser(app);
  const nomail = await addManagedUser(app, { username: 'nomail', email: '', fullName: 'No Mail' });
  return { app, admin, smtp, mira, nomail };
}

async function ask(app: FastifyInstance, login: string, from?: string) {
  const client = new Client(app);
  await client.get(from ? `/forgot-password?from=${from}` : '/forgot-password');
  const answer = await client.post('/forgot-password', from ? { login, from } : { login });
  await passwordLinkRequestsSettled();
  return { client, answer };
}

const queued = (app: FastifyInstance) => app.db.get<{ n: number }>(sql`select count(*) as n from mail_queue`)!.n;

t.test('both sign-in pages lead to "Forgot password?", and back', async (t) => {
  const app = await buildTestApp(t);
  const client = new Client(app);
  t.match((await client.get('/login')).body, '<a href="/forgot-password">Forgot password?</a>');
  t.match((await client.get('/signin')).body, '<a href="/forgot-password?from=console">Forgot password?</a>');
  const form = await client.get('/forgot-password?from=console');
  t.match(form.body, '<label for="field-login">Username or email');
  t.match(form.body, '<a href="/signin">Back to sign in</a>');
  t.notOk(form.headers['set-cookie']?.toString().includes('roster_session'), 'no session is stored for the page');
  const empty = await client.post('/forgot-password', { login: ' ' });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, 'Enter your username or email address.');
  const forged = await new Client(app).post('/forgot-password', { login: 'mira', _csrf: 'forged' });
  t.equal(forged.statusCode, 403, 'the form needs its CSRF token');
});

t.test('the answer is the same for an account with an address, one without, and none at all', async (t) => {
  const { app, smtp } = await mailReady(t);
  const known = await ask(app, 'mira');
  const byEmail = await ask(app, 'MIRA.novak@example.com');
  const noAddress = await ask(app, 'nomail');
  const unknown = await ask(app, 'nobody-at-all');
  for (const [what, { answer }] of Object.entries({ byEmail, noAddress, unknown })) {
    t.equal(answer.statusCode, known.answer.statusCode, `${what}: the same status`);
    t.equal(withoutToken(answer.body), withoutToken(known.answer.body), `${what}: the same page`);
  }
  t.equal(known.answer.statusCode, 200);
  t.match(known.answer.body, 'If the username or email address belongs to an account with an email address');
  t.notMatch(known.answer.body, /mira/i, 'the page does not repeat what was typed');

  t.same(await app.mail.sender.deliverDue(), { sent: 2, failed: 0 }, 'mail only for the account that has an address');
  t.same(
    smtp.received.map((m) => [m.to && 'text' in m.to ? m.to.text : '', m.subject]),
    [
      ['Mira.Novak@example.com', 'Choose a new Roster password'],
      ['Mira.Novak@example.com', 'Choose a new Roster password'],
    ],
  );
  const mail = smtp.received[1]!;
  t.match(mail.text, 'your Roster account mira');
  t.match(mail.text, LINK);
  t.match(mail.html, /href="https:\/\/roster\.example\.com\/set-password\?token=[A-Za-z0-9_-]{43}"/);
  t.match(mail.text, 'If you did not ask, ignore this mail');
});

t.test('the link sets the password once, ends other sessions, and an older or expired link is refused', async (t) => {
  const { app, smtp, mira } = await mailReady(t);
  const elsewhere = await signedInClient(app);
  t.equal((await elsewhere.get('/account')).statusCode, 200);
  await ask(app, 'mira');
  await ask(app, 'mira');
  await app.mail.sender.deliverDue();
  const [older, newer] = smtp.received.map((m) => LINK.exec(m.text ?? '')![1]!);
  const person = new Client(app);
  t.equal((await person.get(`/set-password?token=${older}`)).statusCode, 404, 'a newer link replaces the older');
  t.equal((await person.get(`/set-password?token=${newer}`)).statusCode, 200);
  const set = await person.post('/set-password', {
    token: newer!,
    newPassword: NEW_PASSWORD,
    newPasswordConfirmation: NEW_PASSWORD,
  });
  t.equal(set.headers.location, '/login');
  t.not(reload(app, mira.id).passwordHash, mira.passwordHash);
  t.not((await elsewhere.get('/account')).statusCode, 200, 'the session in another browser has ended');
  t.equal((await person.get(`/set-password?token=${newer}`)).statusCode, 410, 'a used link is refused');

  await ask(app, 'mira');
  await app.mail.sender.deliverDue();
  const late = LINK.exec(smtp.received[2]!.text ?? '')![1]!;
  app.db.run(sql`update password_tokens set expires_at = ${Date.now() - 1} where used_at is null`);
  t.equal((await person.get(`/set-password?token=${late}`)).statusCode, 410, 'an expired link is refused');
  const token = app.db.get<{ purpose: string; created_by: number | null; life: number }>(
    sql`select purpose, created_by, expires_at - created_at as life from password_tokens where used_at is not null`,
  )!;
  t.same(token, { purpose: 'reset', created_by: null, life: 3_600_000 }, 'a reset link that lasts an hour');
});

t.test('links are limited per account and per mailbox, and posts per client address', async (t) => {
  const { app, mira } = await mailReady(t);
  for (let i = 0; i < FORGOT_LIMITS.perAccount + 2; i++) await ask(app, 'mira');
  t.equal(queued(app), FORGOT_LIMITS.perAccount, 'no more links to one account within the hour');
  t.equal(
    app.db.get<{ n: number }>(
      sql`select count(*) as n from audit_entries where action = 'account.reset_requested' and target_user_id = ${mira.id}`,
    )!.n,
    FORGOT_LIMITS.perAccount,
  );

  // Several accounts sharing one mailbox: the mailbox's own limit holds across them.
  for (let i = 0; i < 4; i++) await addManagedUser(app, { username: `shared${i}`, email: 'shared@example.com' });
  for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) await ask(app, `shared${i}`);
  t.equal(
    app.db.get<{ n: number }>(sql`select count(*) as n from mail_queue where recipient = 'shared@example.com'`)!.n,
    FORGOT_LIMITS.perAddress,
  );

  const limited = await buildTestApp(t, { signinRateLimitPerMinute: 2 });
  const client = new Client(limited);
  await client.get('/forgot-password');
  t.equal((await client.post('/forgot-password', { login: 'a' })).statusCode, 200);
  t.equal((await client.post('/forgot-password', { login: 'b' })).statusCode, 200);
  const third = await client.post('/forgot-password', { login: 'c' });
  t.equal(third.statusCode, 429, 'too many posts from one client address');
  await passwordLinkRequestsSettled();
});
