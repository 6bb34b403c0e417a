import type { Session } from 'fastify';
import t from 'tap';
import { endSessionsOf, purgeExpiredSessions, SqliteSessionStore } from '../../src/auth/session-store.js';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { sessions, users } from '../../src/db/schema.js';

function setup() {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const store = new SqliteSessionStore(db, { idleMs: 60_000, maxMs: 3_600_000 });
  const call = <T>(fn: (cb: (err?: unknown, value?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
  return { db, store, call };
}

const session = (data: Partial<Session>) => ({ cookie: { path: '/' }, ...data }) as unknown as Session;

t.test('stores, reads back, replaces and destroys sessions', async (t) => {
  const { db, store, call } = setup();
  const { id } = db.insert(users).values({ username: 'ann' }).returning().get();
  const now = Date.now();
  await call((cb) => store.set('s1', session({ userId: id, createdAt: now, lastSeenAt: now }), cb));
  const read = await call<Session | null>((cb) => store.get('s1', cb));
  t.equal(read?.userId, id);
  t.equal(db.select().from(sessions).get()?.userId, id, "the owner is a column, so a user's sessions can be found");

  await call((cb) =>
    store.set(
      's1',
      session({ userId: id, createdAt: now, lastSeenAt: now, flash: [{ kind: 'info', text: 'hi' }] }),
      cb,
    ),
  );
  t.same((await call<Session | null>((cb) => store.get('s1', cb)))?.flash, [{ kind: 'info', text: 'hi' }]);
  t.equal(db.select().from(sessions).all().length, 1, 'saving again replaces the row');

  await call((cb) => store.destroy('s1', cb));
  t.equal(await call((cb) => store.get('s1', cb)), null);
});

t.test('expiry is the idle deadline, capped by the absolute one; expired sessions are not returned', async (t) => {
  const { store, call, db } = setup();
  const now = Date.now();
  t.equal(store.expiresAt({ createdAt: now, lastSeenAt: now }).getTime(), now + 60_000);
  t.equal(store.expiresAt({ createdAt: now - 3_590_000, lastSeenAt: now }).getTime(), now + 10_000);

  await call((cb) => store.set('old', session({ createdAt: now - 7_200_000, lastSeenAt: now - 7_200_000 }), cb));
  t.equal(await call((cb) => store.get('old', cb)), null, 'an expired session is as good as none');
  t.equal(purgeExpiredSessions(db), 1, 'and the purge removes it');
  t.equal(db.select().from(sessions).all().length, 0);
});

t.test("ends every session of one user and no one else's", async (t) => {
  const { db, store, call } = setup();
  const ann = db.insert(users).values({ username: 'ann' }).returning().get().id;
  const bob = db.insert(users).values({ username: 'bob' }).returning().get().id;
  const now = Date.now();
  for (const [sid, userId] of [
    ['a1', ann],
    ['a2', ann],
    ['b1', bob],
  ] as const) {
    await call((cb) => store.set(sid, session({ userId, createdAt: now, lastSeenAt: now }), cb));
  }
  t.equal(endSessionsOf(db, ann), 2);
  t.same(db.select({ sid: sessions.sid }).from(sessions).all(), [{ sid: 'b1' }]);
});

t.test('database errors reach the caller instead of being swallowed', async (t) => {
  const { db, store, call } = setup();
  db.$client.close();
  await t.rejects(call((cb) => store.get('x', cb)));
  await t.rejects(call((cb) => store.set('x', session({}), cb)));
  await t.rejects(call((cb) => store.destroy('x', cb)));
});
