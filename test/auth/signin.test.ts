import { eq } from 'drizzle-orm';
import t from 'tap';
import { sessions, signinFailures, users } from '../../src/db/schema.js';
import { findAccountByLogin, loginMatches } from '../../src/users/repository.js';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';

const REFUSED = 'The username or password is incorrect, or the account cannot sign in.';

t.test('an administrator signs in, reaches the overview, and signs out', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);

  const before = await browser.get('/');
  t.equal(before.statusCode, 302, 'pages need a session');
  t.equal(before.headers.location, '/signin?next=%2F');

  await browser.get('/signin');
  const anonymousCookie = browser.cookieHeader;
  const signedIn = await browser.post('/signin', { username: 'ADMIN', password: ADMIN_PASSWORD, next: '/' });
  t.equal(signedIn.statusCode, 302, 'usernames ignore case');
  t.equal(signedIn.headers.location, '/');
  t.not(browser.cookieHeader, anonymousCookie, 'the session id changes at sign-in');

  const overview = await browser.get('/');
  t.equal(overview.statusCode, 200);
  t.match(overview.body, /<h1>Overview<\/h1>/);
  t.match(overview.body, /Ada Admin/);
  const row = app.db.select().from(users).where(eq(users.username, 'admin')).get();
  t.ok(row?.lastSigninAt, 'last sign-in is recorded');

  const out = await browser.post('/signout');
  t.equal(out.headers.location, '/signin?reason=signed-out');
  t.equal(
    app.db.select().from(sessions).where(eq(sessions.userId, row!.id)).all().length,
    0,
    'the session is gone from the store',
  );
  const after = await browser.get('/');
  t.equal(after.statusCode, 302, 'the old cookie no longer opens pages');
  t.match((await browser.get('/signin?reason=signed-out')).body, /You have signed out/);
});

t.test('the old session cookie is useless after sign-out even if replayed', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  const stolen = browser.cookieHeader;
  await browser.get('/');
  await browser.post('/signout');
  const replay = await app.inject({ method: 'GET', url: '/', headers: { cookie: stolen } });
  t.equal(replay.statusCode, 302);
});

t.test(
  'every refusal looks the same: unknown user, wrong password, not an administrator, inactive, blocked',
  async (t) => {
    const app = await buildTestApp(t);
    const admin = await addSuperuser(app);
    const attempts: [string, string, () => void][] = [
      ['nobody', ADMIN_PASSWORD, () => {}],
      ['admin', 'wrong password entirely', () => {}],
      [
        'admin',
        ADMIN_PASSWORD,
        () => app.db.update(users).set({ adminRole: null }).where(eq(users.id, admin.id)).run(),
      ],
      [
        'admin',
        ADMIN_PASSWORD,
        () =>
          app.db.update(users).set({ adminRole: 'superuser', status: 'inactive' }).where(eq(users.id, admin.id)).run(),
      ],
      [
        'admin',
        ADMIN_PASSWORD,
        () => app.db.update(users).set({ status: 'active', blocked: true }).where(eq(users.id, admin.id)).run(),
      ],
    ];
    for (const [username, password, arrange] of attempts) {
      arrange();
      const browser = new Client(app);
      await browser.get('/signin');
      const res = await browser.post('/signin', { username, password });
      t.equal(res.statusCode, 401, `${username} refused`);
      t.equal(res.body.split(REFUSED).length - 1, 1, 'with the one generic message, shown once');
      t.notMatch(res.body, /aria-invalid/, 'no single field is blamed');
      t.match(res.body, new RegExp(`name="username" type="text" value="${username}"`), 'the username typed is kept');
      t.notMatch(res.body, /value="correct horse/, 'the password is never echoed');
    }
  },
);

t.test('sign-in pauses after repeated failures, and a success resets the count', async (t) => {
  const app = await buildTestApp(t, { lockoutThreshold: 3, lockoutWindowMinutes: 15 });
  const admin = await addSuperuser(app);
  const browser = new Client(app);
  const failedCount = () => app.db.select().from(users).where(eq(users.id, admin.id)).get()!.failedSigninCount;

  await browser.signIn('admin', 'wrong password one');
  t.equal(failedCount(), 1);
  t.equal((await browser.signIn()).statusCode, 302, 'below the threshold the right password works');
  t.equal(failedCount(), 0, 'a success resets the count');
  await browser.get('/');
  await browser.post('/signout');

  for (let i = 0; i < 3; i++) await browser.signIn('admin', `wrong password ${i}`);
  const refused = await browser.signIn();
  t.equal(refused.statusCode, 401, 'even the right password is refused while paused');
  t.ok(refused.body.includes(REFUSED));

  app.db
    .update(signinFailures)
    .set({ at: new Date(Date.now() - 15 * 60_000) })
    .run();
  t.equal((await browser.signIn()).statusCode, 302, 'the pause ends with its window');
});

t.test('sign-in returns to the page asked for, but never to another site', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  for (const [next, expected] of [
    ['/?tab=1', '/?tab=1'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
  ]) {
    const browser = new Client(app);
    await browser.get('/signin');
    const res = await browser.post('/signin', { username: 'admin', password: ADMIN_PASSWORD, next: next! });
    t.equal(res.headers.location, expected, `next=${next}`);
  }
});

t.test('a signed-in administrator visiting the sign-in page goes to the overview', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  t.equal((await browser.get('/signin')).headers.location, '/');
});

t.test('sign-in is rate limited per client', async (t) => {
  const app = await buildTestApp(t, { signinRateLimitPerMinute: 3 });
  await addSuperuser(app);
  const browser = new Client(app);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await browser.signIn('admin', 'wrong password here')).statusCode);
  t.same(statuses, [401, 401, 401, 429]);
  t.match(browser.lastPage, /Too many attempts/);
});

t.test('htmx requests without a session are told to navigate to sign-in', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/', headers: { 'hx-request': 'true' } });
  t.equal(res.statusCode, 401);
  t.equal(res.headers['hx-redirect'], '/signin');
});

t.test('an account is found by username or email through their indexes, never by reading every user', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  for (const login of ['admin', 'ADMIN@example.com']) {
    const { sql: text, params } = app.db.select({ id: users.id }).from(users).where(loginMatches(login)).toSQL();
    const plan = app.db.$client
      .prepare(`explain query plan ${text}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
    t.match(plan, /users_username_nocase/, `${login}: the username index`);
    t.match(plan, /users_email_nocase/, `${login}: the email index`);
    t.notMatch(plan, /SCAN users/, `${login}: no scan`);
    t.equal(findAccountByLogin(app.db, login)?.username, 'admin', `${login} finds the account`);
  }
});
