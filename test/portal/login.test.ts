import { eq } from 'drizzle-orm';
import t from 'tap';
import { sessions, signinFailures, users } from '../../src/db/schema.js';
import { buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, portalSignIn, REFUSED, reload, signedInClient, USER_PASSWORD } from '../helpers/portal.js';

t.test('a managed user signs in by username or by email, in any case, and reaches the profile', async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app);

  for (const login of ['mira', 'MIRA', 'mira.novak@example.com', 'MIRA.NOVAK@EXAMPLE.COM']) {
    const client = new Client(app);
    const before = await client.get('/login');
    t.equal(before.statusCode, 200);
    t.match(before.body, /<label for="field-username">Username or email/);
    const anonymousCookie = client.cookieHeader;
    const res = await client.post('/login', { username: login, password: USER_PASSWORD });
    t.equal(res.statusCode, 302, `${login} signs in`);
    t.equal(res.headers.location, '/account');
    t.not(client.cookieHeader, anonymousCookie, 'the session id changes at sign-in');

    const profile = await client.get('/account');
    t.equal(profile.statusCode, 200);
    t.match(profile.body, /Mira Novak/);
    t.match(profile.body, /Mira\.Novak@example\.com/);
    t.match(profile.body, /\+386 1 234 5678/);
    t.match(profile.body, /href="\/account\/password"/);
    t.match(profile.body, /Signed in as <strong title="mira">Mira Novak<\/strong>/);
  }
  t.ok(reload(app, mira.id).lastSigninAt, 'the sign-in is recorded');
  const row = app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).all();
  t.equal(row.length, 4, "the store knows each portal session's owner");
  for (const s of row) {
    const data = JSON.parse(s.data);
    t.equal(data.accountId, mira.id);
    t.equal(data.userId, undefined, 'a portal session never carries an administrator id');
  }
});

t.test('every refusal looks the same: wrong password, unknown user, inactive, blocked, locked', async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app);
  const set = (change: Partial<typeof users.$inferInsert>) =>
    app.db.update(users).set(change).where(eq(users.id, mira.id)).run();
  const attempts: [string, string, string, () => void][] = [
    ['wrong password', 'mira', 'not the password at all', () => {}],
    ['unknown user', 'nobody', USER_PASSWORD, () => {}],
    ['inactive', 'mira', USER_PASSWORD, () => set({ status: 'inactive' })],
    ['blocked', 'mira', USER_PASSWORD, () => set({ status: 'active', blocked: true })],
    ['locked', 'mira', USER_PASSWORD, () => set({ blocked: false, lockedUntil: new Date(Date.now() + 10 * 60_000) })],
    ['deleted', 'mira', USER_PASSWORD, () => set({ lockedUntil: null, deletedAt: new Date() })],
  ];
  const bodies: string[] = [];
  for (const [label, username, password, arrange] of attempts) {
    arrange();
    const client = new Client(app);
    const res = await portalSignIn(client, username, password);
    t.equal(res.statusCode, 401, `${label}: refused with 401`);
    t.equal(res.body.split(REFUSED).length - 1, 1, `${label}: the one generic message, shown once`);
    t.notMatch(res.body, /aria-invalid/, 'no single field is blamed');
    t.match(res.body, new RegExp(`name="username" type="text" value="${username}"`), 'the typed username is kept');
    t.notMatch(res.body, new RegExp(`value="${password}"`), 'the password is never echoed');
    t.equal(client.cookieHeader.includes('roster_session'), false, `${label}: no session cookie was handed out`);
    t.equal((await client.get('/account')).statusCode, 302, `${label}: no session was opened`);
    // Only what differs by design (the CSRF token) may differ between refusals.
    bodies.push(res.body.replace(/value="[^"]*"/g, 'value=""').replace(/"x-csrf-token": "[^"]*"/, ''));
  }
  t.equal(new Set(bodies).size, 1, 'the pages are identical apart from the typed name and the token');
});

t.test('sign-in pauses after the configured number of failures', async (t) => {
  const app = await buildTestApp(t, { lockoutThreshold: 3, lockoutWindowMinutes: 15 });
  const mira = await addManagedUser(app);
  const client = new Client(app);
  for (let i = 0; i < 3; i++) {
    t.equal((await portalSignIn(client, 'mira', `wrong password ${i}`)).statusCode, 401);
  }
  t.equal(reload(app, mira.id).failedSigninCount, 3);
  const refused = await portalSignIn(client);
  t.equal(refused.statusCode, 401, 'even the right password is refused while paused');
  t.ok(refused.body.includes(REFUSED));

  app.db
    .update(signinFailures)
    .set({ at: new Date(Date.now() - 15 * 60_000) })
    .run();
  t.equal((await portalSignIn(client)).statusCode, 302, 'the pause ends with its window');
  t.equal(reload(app, mira.id).failedSigninCount, 0, 'a success resets the count');
});

t.test('portal sign-in is rate limited per client', async (t) => {
  const app = await buildTestApp(t, { signinRateLimitPerMinute: 3 });
  await addManagedUser(app);
  const client = new Client(app);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await portalSignIn(client, 'mira', 'wrong password here')).statusCode);
  t.same(statuses, [401, 401, 401, 429]);
  t.match(client.lastPage, /Too many attempts/);
});

t.test('sign-in returns to the portal page asked for, and nowhere else', async (t) => {
  const app = await buildTestApp(t);
  await addManagedUser(app);
  const asked = await new Client(app).get('/account');
  t.equal(asked.statusCode, 302);
  t.equal(asked.headers.location, '/login?next=%2Faccount');
  for (const [next, expected] of [
    ['/account/password', '/account/password'],
    ['/account', '/account'],
    ['/users', '/account'],
    ['/', '/account'],
    ['/accounting', '/account'],
    ['https://evil.example/', '/account'],
    ['//evil.example/', '/account'],
  ]) {
    const client = new Client(app);
    await client.get(`/login?next=${encodeURIComponent(next!)}`);
    t.match(client.lastPage, new RegExp(`name="next" value="${expected}"`), `the form keeps ${expected}`);
    const res = await client.post('/login', { username: 'mira', password: USER_PASSWORD, next: next! });
    t.equal(res.headers.location, expected, `next=${next}`);
  }
});

t.test('a signed-in user visiting /login goes to the profile', async (t) => {
  const app = await buildTestApp(t);
  await addManagedUser(app);
  const client = await signedInClient(app);
  t.equal((await client.get('/login')).headers.location, '/account');
});

t.test('signing out ends the session, and a replayed cookie opens nothing', async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app);
  const client = await signedInClient(app);
  await client.get('/account');
  const stolen = client.cookieHeader;

  const out = await client.post('/logout');
  t.equal(out.statusCode, 302);
  t.equal(out.headers.location, '/login?reason=signed-out');
  t.equal(app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).all().length, 0, 'gone from the store');
  t.match((await client.get('/login?reason=signed-out')).body, /You have signed out/);
  t.equal((await client.get('/account')).statusCode, 302);
  const replay = await app.inject({ method: 'GET', url: '/account', headers: { cookie: stolen } });
  t.equal(replay.statusCode, 302);
});

t.test('every portal form needs the CSRF token', async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app);

  const anonymous = new Client(app);
  await anonymous.get('/login');
  const login = await anonymous.post('/login', { _csrf: '', username: 'mira', password: USER_PASSWORD });
  t.equal(login.statusCode, 403, 'sign-in without the token');
  t.equal(reload(app, mira.id).lastSigninAt, null, 'and nothing happened');

  const client = await signedInClient(app);
  await client.get('/account/password');
  const change = await client.post('/account/password', {
    _csrf: 'forged-token',
    currentPassword: USER_PASSWORD,
    newPassword: 'a perfectly fine new one',
    newPasswordConfirmation: 'a perfectly fine new one',
  });
  t.equal(change.statusCode, 403, 'password change with a forged token');
  t.equal(reload(app, mira.id).passwordHash, mira.passwordHash, 'the password did not change');

  const logout = await client.post('/logout', { _csrf: '' });
  t.equal(logout.statusCode, 403, 'sign-out without the token');
  t.equal((await client.get('/account')).statusCode, 200, 'still signed in');
});
