import t from 'tap';
import { sql } from 'drizzle-orm';
import { existsSync, readFileSync } from 'node:fs';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { signedInHelper } from '../helpers/directory.js';
import { freePort, startSmtpServer } from '../helpers/smtp.js';

const SMTP_PASSWORD = 'Smtp-Secret-Passphrase-7';

async function signedInSuperuser(t: { teardown(fn: () => unknown): void }) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  return { app, admin, browser };
}

const valid = (port: number, extra: Record<string, string> = {}) => ({
  host: '127.0.0.1',
  port: String(port),
  security: 'none',
  username: '',
  password: '',
  fromAddress: 'roster@example.com',
  externalUrl: 'https://roster.example.com/',
  ...extra,
});

t.test('only superusers see and change the mail settings', async (t) => {
  const { app, browser } = await signedInSuperuser(t);
  const page = await browser.get('/settings/mail');
  t.equal(page.statusCode, 200);
  t.match(page.body, /<a href="\/settings\/mail" aria-current="page">Mail<\/a>/, 'in the nav for a superuser');
  t.match((await browser.get('/settings/mail/queue')).body, /No mail yet/);

  const helper = await signedInHelper(app);
  const home = await helper.client.get('/');
  t.notMatch(home.body, /href="\/settings\/mail"/, 'not in the nav for a scoped administrator');
  const refused = await helper.client.get('/settings/mail');
  t.equal(refused.statusCode, 403);
  t.match(refused.body, /You may not change settings/);
  const post = await helper.client.post('/settings/mail', valid(25));
  t.equal(post.statusCode, 403);
  t.equal((await helper.client.get('/settings/mail/queue')).statusCode, 403);
  t.equal(app.db.get<{ n: number }>(sql`select count(*) as n from mail_settings`)!.n, 0, 'nothing saved');
});

t.test('a refused form comes back with every problem, its input kept and the password not echoed', async (t) => {
  const { app, browser } = await signedInSuperuser(t);
  await browser.get('/settings/mail');
  const res = await browser.post('/settings/mail', {
    host: 'smtp://mail.example.com',
    port: '70000',
    security: 'starttls',
    username: '',
    password: SMTP_PASSWORD,
    fromAddress: 'not-an-address',
    externalUrl: 'ftp://roster.example.com',
  });
  t.equal(res.statusCode, 422);
  t.match(res.body, /Enter only the host name, such as smtp.example.com/);
  t.match(res.body, /Enter a port number from 1 to 65535/);
  t.match(res.body, /Enter the user name this password belongs to/);
  t.match(res.body, /Enter an email address like roster@example.com/);
  t.match(res.body, /Enter an address that starts with https:\/\//);
  t.match(res.body, /value="smtp:\/\/mail.example.com"/, 'input kept');
  t.match(res.body, /value="not-an-address"/);
  t.match(res.body, /value="starttls" checked/);
  t.notMatch(res.body, SMTP_PASSWORD, 'the password is not echoed');

  const empty = await browser.post('/settings/mail', {
    host: '',
    security: 'sideways',
    fromAddress: '',
    externalUrl: '',
  });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /Enter the host name of the SMTP server/);
  t.match(empty.body, /Choose how the connection is secured/);
  t.match(empty.body, /Enter the address mail is sent from/);
  t.match(empty.body, /Enter the address people open Roster at/);

  const noPassword = await browser.post('/settings/mail', valid(25, { username: 'mailer' }));
  t.equal(noPassword.statusCode, 422);
  t.match(noPassword.body, /Enter the password that goes with this user name/);
  t.equal(app.db.get<{ n: number }>(sql`select count(*) as n from mail_settings`)!.n, 0, 'nothing saved');
});

t.test('the sender is a plain address: a display name in angle brackets or quotes is refused', async (t) => {
  const { app, browser } = await signedInSuperuser(t);
  await browser.get('/settings/mail');
  for (const fromAddress of ['Roster <roster@example.com>', '"roster"@example.com']) {
    const res = await browser.post('/settings/mail', valid(25, { fromAddress }));
    t.equal(res.statusCode, 422, fromAddress);
    t.match(res.body, /Enter an email address like roster@example.com/);
  }
  t.equal(app.db.get<{ n: number }>(sql`select count(*) as n from mail_settings`)!.n, 0, 'nothing saved');
});

t.test('without the CSRF token nothing is saved', async (t) => {
  const { app, browser } = await signedInSuperuser(t);
  await browser.get('/settings/mail');
  const res = await browser.post('/settings/mail', { ...valid(25), _csrf: 'forged' });
  t.equal(res.statusCode, 403);
  t.equal(app.db.get<{ n: number }>(sql`select count(*) as n from mail_settings`)!.n, 0);
});

t.test(
  'the password is stored sealed, never shown, kept when left blank, and cleared on request; changes are audited without it',
  async (t) => {
    const { app, browser } = await signedInSuperuser(t);
    const smtp = await startSmtpServer(t, { login: { username: 'mailer', password: SMTP_PASSWORD } });
    await browser.get('/settings/mail');
    const saved = await browser.post(
      '/settings/mail',
      valid(smtp.port, { username: 'mailer', password: SMTP_PASSWORD, port: '' }),
    );
    t.equal(saved.statusCode, 302);
    const page = await browser.get('/settings/mail');
    t.match(page.body, /The mail settings are saved/);
    t.match(page.body, /A password is stored. Leave this blank to keep it/);
    t.match(page.body, /value="https:\/\/roster.example.com"/, 'the public address without its trailing slash');
    t.notMatch(page.body, SMTP_PASSWORD, 'the page never shows the password');
    t.equal(
      app.db.get<{ port: number }>(sql`select port from mail_settings`)!.port,
      25,
      'a blank port is the usual one',
    );

    app.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const file = app.config.databaseFile;
    const stored = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    t.notOk(stored.includes(SMTP_PASSWORD), 'the database files do not hold the password');

    const audit = app.db.all<{ changes: string; detail: string }>(
      sql`select changes, detail from audit_entries where action = 'settings.mail'`,
    );
    t.equal(audit.length, 1);
    t.match(JSON.parse(audit[0]!.changes), { host: [null, '127.0.0.1'], password: ['none', 'set'] });
    t.notMatch(audit[0]!.changes, SMTP_PASSWORD);

    // Saved again with the password left blank, on the server's port: the stored one is used.
    await browser.post('/settings/mail', valid(smtp.port, { username: 'mailer' }));
    const sent = await browser.post('/settings/mail/test', { to: 'ops@example.com' });
    t.equal(sent.statusCode, 302, 'the server accepted the stored password');
    t.match((await browser.get('/settings/mail')).body, /A test email was sent to ops@example.com/);
    t.equal(smtp.received.length, 1);
    t.equal(smtp.received[0]!.subject, 'Roster test email');
    t.match(smtp.received[0]!.from?.text, 'roster@example.com');
    t.match(
      smtp.received[0]!.text,
      /This is a test email from Roster at https?:\/\/\S+\./,
      'a text part from its template',
    );
    t.match(smtp.received[0]!.html, /<p>If you can read it, Roster can send mail\.<\/p>/, 'and an HTML part');

    const audits = app.db.all<{ changes: string }>(
      sql`select changes from audit_entries where action = 'settings.mail' order by id`,
    );
    t.same(
      JSON.parse(audits[1]!.changes),
      { port: [25, smtp.port] },
      'only what changed; the password kept is not mentioned',
    );

    const unchanged = await browser.post('/settings/mail', valid(smtp.port, { username: 'mailer' }));
    t.equal(unchanged.statusCode, 302);
    t.equal(
      app.db.get<{ n: number }>(sql`select count(*) as n from audit_entries where action = 'settings.mail'`)!.n,
      2,
      'no change, no entry',
    );

    await browser.get('/settings/mail');
    const both = await browser.post('/settings/mail', valid(smtp.port, { password: 'x', clearPassword: '1' }));
    t.equal(both.statusCode, 422);
    t.match(both.body, /Either enter a new password or clear the stored one, not both/);
    const cleared = await browser.post('/settings/mail', valid(smtp.port, { clearPassword: '1' }));
    t.equal(cleared.statusCode, 302);
    t.match((await browser.get('/settings/mail')).body, /No password is stored/);
    const last = app.db.get<{ changes: string }>(
      sql`select changes from audit_entries where action = 'settings.mail' order by id desc limit 1`,
    )!;
    t.same(JSON.parse(last.changes), { username: ['mailer', ''], password: ['set', 'cleared'] });
  },
);

t.test('the test email says clearly what went wrong', async (t) => {
  const { app, admin, browser } = await signedInSuperuser(t);
  let page = await browser.get('/settings/mail');
  t.notMatch(page.body, /Send a test email/, 'offered once settings are saved');
  const nobody = await freePort();
  await browser.post('/settings/mail', valid(nobody));
  page = await browser.get('/settings/mail');
  t.match(
    page.body,
    new RegExp(`name="to" type="email" value="${admin.email}"`),
    'addressed to the superuser at first',
  );

  const bad = await browser.post('/settings/mail/test', { to: 'nobody' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Enter an email address like name@example.com/);

  const refused = await browser.post('/settings/mail/test', { to: 'ops@example.com' });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /The test email was not sent./);
  t.match(refused.body, `Nothing answers at 127.0.0.1:${nobody} (connection refused).`);
  t.match(refused.body, /value="ops@example.com"/, 'the address is kept');

  const smtp = await startSmtpServer(t, { login: { username: 'mailer', password: 'the right one' } });
  await browser.post('/settings/mail', valid(smtp.port, { username: 'mailer', password: SMTP_PASSWORD }));
  const wrong = await browser.post('/settings/mail/test', { to: 'ops@example.com' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /The SMTP server refused the user name or password: 535/);
  t.notMatch(wrong.body, SMTP_PASSWORD);

  // Sealed under another session secret: the password cannot be opened, and the page says so.
  app.db.run(sql`update mail_settings set password_sealed = x'00112233445566778899aabbccddeeff0011223344556677'`);
  const unreadable = await browser.post('/settings/mail/test', { to: 'ops@example.com' });
  t.match(unreadable.body, /The stored SMTP password can no longer be read/);
});
