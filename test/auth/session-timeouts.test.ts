import { eq } from 'drizzle-orm';
import t from 'tap';
import { sessions, users } from '../../src/db/schema.js';
import { addSuperuser, ageSession, buildTestApp, Client } from '../helpers/app.js';

t.test('a session idle for longer than the idle timeout ends', async (t) => {
  const app = await buildTestApp(t, { sessionIdleMinutes: 30 });
  const admin = await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  t.equal((await browser.get('/')).statusCode, 200);

  ageSession(app, admin.id, { lastSeenAt: Date.now() - 31 * 60_000 });
  const res = await browser.get('/');
  t.equal(res.statusCode, 302);
  t.equal(res.headers.location, '/signin?reason=expired&next=%2F');
  t.match((await browser.get('/signin?reason=expired')).body, /Your session has ended/);
  t.equal(app.db.select().from(sessions).where(eq(sessions.userId, admin.id)).all().length, 0);
});

t.test('activity keeps a session alive, and the stored expiry follows it', async (t) => {
  const app = await buildTestApp(t, { sessionIdleMinutes: 30 });
  const admin = await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  ageSession(app, admin.id, { lastSeenAt: Date.now() - 29 * 60_000 });
  t.equal((await browser.get('/')).statusCode, 200, 'still inside the idle window');
  const row = app.db.select().from(sessions).where(eq(sessions.userId, admin.id)).get()!;
  t.ok(row.expiresAt.getTime() > Date.now() + 29 * 60_000, 'the request refreshed the idle deadline');
});

t.test('a session older than the absolute timeout ends even while active', async (t) => {
  const app = await buildTestApp(t, { sessionMaxHours: 12 });
  const admin = await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  ageSession(app, admin.id, { createdAt: Date.now() - 12 * 3_600_000 - 1000, lastSeenAt: Date.now() });
  const res = await browser.get('/');
  t.equal(res.statusCode, 302);
  t.match(res.headers.location, /reason=expired/);
});

t.test('deactivating or blocking an administrator ends their open session at the next request', async (t) => {
  for (const change of [{ status: 'inactive' as const }, { blocked: true }]) {
    const app = await buildTestApp(t);
    const admin = await addSuperuser(app);
    const browser = new Client(app);
    await browser.signIn();
    app.db.update(users).set(change).where(eq(users.id, admin.id)).run();
    const res = await browser.get('/');
    t.equal(res.statusCode, 302, JSON.stringify(change));
    t.equal(res.headers.location, '/signin?next=%2F');
  }
});
