import { eq } from 'drizzle-orm';
import t from 'tap';
import { endSessionsOf } from '../../src/auth/session-store.js';
import { sessions, users } from '../../src/db/schema.js';
import { addSuperuser, ADMIN_PASSWORD, ageSession, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, portalSignIn, signedInClient } from '../helpers/portal.js';

t.test('a portal session never opens administrator pages', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const mira = await addManagedUser(app);
  const client = await signedInClient(app);
  t.equal((await client.get('/account')).statusCode, 200);

  for (const url of ['/', '/users', `/users/${mira.id}`, '/users/columns']) {
    const res = await client.get(url);
    t.equal(res.statusCode, 302, `GET ${url} is refused`);
    t.match(res.headers.location, /^\/signin/, `GET ${url} goes to the administrator sign-in`);
  }
  const post = await client.post('/users/columns', { reset: '1' });
  t.equal(post.statusCode, 302, 'a POST to an administrator route is refused');
  t.equal(post.headers.location, '/signin');
  const htmx = await client.get('/users', { 'hx-request': 'true' });
  t.equal(htmx.statusCode, 401);
  t.equal(htmx.headers['hx-redirect'], '/signin');

  t.equal((await client.get('/account')).statusCode, 200, 'the portal session itself is untouched');
});

t.test('an administrator signing in to the portal still gets only a portal session', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const client = new Client(app);
  const res = await portalSignIn(client, 'admin', ADMIN_PASSWORD);
  t.equal(res.statusCode, 302);
  t.equal((await client.get('/account')).statusCode, 200);
  t.equal((await client.get('/')).statusCode, 302, 'the console still needs its own sign-in');
});

t.test('an administrator session does not open the portal', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const client = new Client(app);
  await client.signIn();
  t.equal((await client.get('/')).statusCode, 200);
  const res = await client.get('/account');
  t.equal(res.statusCode, 302);
  t.equal(res.headers.location, '/login?next=%2Faccount');
});

t.test('deactivating, blocking or deleting a user ends their portal session at the next request', async (t) => {
  const changes = [{ status: 'inactive' as const }, { blocked: true }, { deletedAt: new Date() }];
  for (const change of changes) {
    const app = await buildTestApp(t);
    const mira = await addManagedUser(app);
    const client = await signedInClient(app);
    t.equal((await client.get('/account')).statusCode, 200);
    app.db.update(users).set(change).where(eq(users.id, mira.id)).run();
    const res = await client.get('/account');
    t.equal(res.statusCode, 302, JSON.stringify(change));
    t.equal(res.headers.location, '/login?next=%2Faccount');
    t.equal(app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).all().length, 0, 'session destroyed');
  }
});

t.test("ending a user's sessions signs them out of the portal", async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app);
  const client = await signedInClient(app);
  t.equal(endSessionsOf(app.db, mira.id), 1, 'the portal session is found by its owner');
  t.equal((await client.get('/account')).statusCode, 302);
});

t.test('portal sessions end after the idle and the absolute timeouts', async (t) => {
  const app = await buildTestApp(t, { sessionIdleMinutes: 30, sessionMaxHours: 12 });
  const mira = await addManagedUser(app);

  const idle = await signedInClient(app);
  ageSession(app, mira.id, { lastSeenAt: Date.now() - 31 * 60_000 });
  const idleRes = await idle.get('/account');
  t.equal(idleRes.statusCode, 302);
  t.equal(idleRes.headers.location, '/login?reason=expired&next=%2Faccount');
  t.match((await idle.get('/login?reason=expired')).body, /Your session has ended/);

  const active = await signedInClient(app);
  ageSession(app, mira.id, { lastSeenAt: Date.now() - 29 * 60_000 });
  t.equal((await active.get('/account')).statusCode, 200, 'still inside the idle window');
  const row = app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).get()!;
  t.ok(row.expiresAt.getTime() > Date.now() + 29 * 60_000, 'the request moved the idle deadline');

  ageSession(app, mira.id, { createdAt: Date.now() - 12 * 3_600_000 - 1000, lastSeenAt: Date.now() });
  const old = await active.get('/account');
  t.equal(old.statusCode, 302);
  t.match(old.headers.location, /reason=expired/);
});

t.test('htmx requests without a portal session are told to navigate to /login', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/account', headers: { 'hx-request': 'true' } });
  t.equal(res.statusCode, 401);
  t.equal(res.headers['hx-redirect'], '/login');
});
