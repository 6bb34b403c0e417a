import t from 'tap';
import { readFileSync } from 'node:fs';
import { ADMIN_PASSWORD, addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { appCode, auditDetails, enrolApp } from './fixture.js';

t.test('an administrator enrols an authenticator app and signs in with codes the app computes', async (t) => {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const client = new Client(app);
  await client.signIn();

  const status = await client.get('/preferences/two-step');
  t.match(status.body, 'Signing in takes only your password');
  const start = await client.post('/preferences/two-step/app');
  t.equal(start.statusCode, 200);
  t.match(
    start.body,
    /<img class="qr-code" src="data:image\/svg\+xml;base64,/,
    'the QR code is drawn here, as a data address',
  );
  t.equal(start.headers['cache-control'], 'no-store');

  const wrong = await client.post('/preferences/two-step/app/confirm', { code: '000000' });
  t.equal(wrong.statusCode, 422, 'a wrong first code does not enrol');
  t.match(wrong.body, 'That code is not correct');

  const { secret, recovery } = await enrolAppAgain(client);
  t.equal(recovery.length, 10, 'ten recovery codes are shown once');
  t.equal(new Set(recovery).size, 10);
  t.match((await client.get('/preferences/two-step')).body, '10 of 10 recovery codes are left');

  // Sealed at rest: neither the database file nor its write-ahead log holds the key.
  app.db.$client.pragma('wal_checkpoint(TRUNCATE)');
  const file = readFileSync(app.config.databaseFile).toString('latin1');
  t.notOk(file.includes(secret), 'the secret is not readable in the database file');
  const row = app.db.$client
    .prepare('select two_step_method as method, totp_secret_sealed as sealed from users where id = ?')
    .get(admin.id) as {
    method: string;
    sealed: Buffer;
  };
  t.equal(row.method, 'totp');
  t.notOk(row.sealed.toString('latin1').includes(secret));
  const stored = app.db.$client.prepare('select code_hash as hash from recovery_codes').all() as { hash: string }[];
  t.notOk(
    stored.some((r) => recovery.some((code) => r.hash.includes(code.replace(/-/g, '')))),
    'recovery codes are stored hashed',
  );

  await client.post('/signout');
  const password = await client.signIn();
  t.equal(password.statusCode, 303);
  t.equal(password.headers.location, '/signin/two-step', 'the password leads to the second step');
  const notYet = await client.get('/users');
  t.equal(notYet.statusCode, 302, 'the password alone opens nothing');
  t.match(notYet.headers.location, /^\/signin/);

  const codePage = await client.get('/signin/two-step');
  t.match(codePage.body, 'Open the authenticator app');
  const refused = await client.post('/signin/two-step', { code: '123456' });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, 'That code is not correct');

  // The enrolment spent the current step; the app's next code is the one to type now.
  const code = appCode(secret, 1);
  const cookieBefore = client.cookieHeader;
  const accepted = await client.post('/signin/two-step', { code });
  t.equal(accepted.statusCode, 303);
  t.equal(accepted.headers.location, '/');
  t.not(client.cookieHeader, cookieBefore, 'the session gets a new id only after both steps');
  t.equal((await client.get('/users')).statusCode, 200, 'signed in');
  t.same(auditDetails(app, 'admin.signin').at(-1)?.detail, 'second step: authenticator app');
  t.equal(
    auditDetails(app, 'two_step.failed').length,
    2,
    'the refused codes, at enrolment and at sign-in, are audited',
  );

  await client.post('/signout');
  await client.signIn();
  const replay = await client.post('/signin/two-step', { code });
  t.equal(replay.statusCode, 422, 'a code works once: the same code is refused the second time');

  const [first] = recovery;
  const withRecovery = await client.post('/signin/two-step', { code: first!.toUpperCase() });
  t.equal(withRecovery.statusCode, 303, 'a recovery code signs in, whatever its case');
  const home = await client.get(withRecovery.headers.location as string);
  t.match(home.body, 'You used a recovery code: 9 are left');
  t.same(auditDetails(app, 'admin.signin').at(-1)?.detail, 'second step: a recovery code');

  await client.post('/signout');
  await client.signIn();
  const again = await client.post('/signin/two-step', { code: first! });
  t.equal(again.statusCode, 422, 'a recovery code works once');
  t.equal(
    (await client.post('/signin/two-step', { code: recovery[1]! })).statusCode,
    303,
    'another recovery code still works',
  );

  await client.get('/preferences/two-step');
  const renewed = await client.post('/preferences/two-step/recovery-codes');
  t.match(renewed.body, 'Your new recovery codes');
  t.match((await client.get('/preferences/two-step')).body, '10 of 10 recovery codes are left');
  await client.post('/signout');
  await client.signIn('admin', ADMIN_PASSWORD);
  t.equal(
    (await client.post('/signin/two-step', { code: recovery[2]! })).statusCode,
    422,
    'old recovery codes stop working',
  );
});

/** After a refused first code, the pages start again with a new key. */
async function enrolAppAgain(client: Client) {
  return enrolApp(client, '/preferences/two-step');
}

t.test('the code page without a password first sends back to sign-in', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const client = new Client(app);
  const page = await client.get('/signin/two-step');
  t.equal(page.statusCode, 303);
  t.equal(page.headers.location, '/signin?reason=code-expired');
  const posted = await client.post('/login/two-step', { code: '123456' });
  t.equal(posted.statusCode, 403, 'without a page first there is not even a CSRF token');
});
