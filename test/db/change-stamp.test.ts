import Database from 'better-sqlite3';
import path from 'node:path';
import t from 'tap';
import { changeStamp, UntilChanged } from '../../src/db/change-stamp.js';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { tempDir } from '../helpers/app.js';

function setUp(test: { teardown(fn: () => unknown): void }) {
  const file = path.join(tempDir(test), 'roster.db');
  const db = openDatabase(file);
  migrateDatabase(db);
  db.$client.exec("insert into groups (name) values ('Sales')");
  const other = new Database(file);
  test.teardown(() => {
    other.close();
    db.$client.close();
  });
  return { db, other };
}

t.test('the stamp moves with every write, from this connection or another, and not with reads', async (t) => {
  const { db, other } = setUp(t);
  const first = changeStamp(db);
  db.$client.prepare('select * from groups').all();
  t.equal(changeStamp(db), first, 'a read leaves it');
  db.$client.exec("update groups set name = 'Sales EMEA'");
  const afterOwn = changeStamp(db);
  t.not(afterOwn, first, 'a write on this connection moves it');
  other.exec("update groups set name = 'Sales APAC'");
  t.not(changeStamp(db), afterOwn, 'a commit on another connection moves it');
});

t.test('a kept value lasts until the data changes, or its time is up', async (t) => {
  const { db, other } = setUp(t);
  const kept = new UntilChanged<string>(2, 1_000);
  let computed = 0;
  const name = (now = 0) =>
    kept.get(
      db,
      'group',
      () => {
        computed++;
        return db.$client.prepare('select name from groups').pluck().get() as string;
      },
      now,
    );
  t.equal(name(), 'Sales');
  t.equal(name(500), 'Sales');
  t.equal(computed, 1, 'read once while nothing changed');
  t.equal(name(1_000), 'Sales');
  t.equal(computed, 2, 'read again when its time was up');
  other.exec("update groups set name = 'Sales APAC'");
  t.equal(name(1_000), 'Sales APAC', 'another connection’s change is seen at once');
  db.$client.exec("update groups set name = 'Sales EMEA'");
  t.equal(name(1_000), 'Sales EMEA', 'so is this connection’s own');
});

t.test('a value kept while idle lasts as long as it is used, and goes once left alone', async (t) => {
  const { db, other } = setUp(t);
  const kept = new UntilChanged<number>(2, 1_000, 'idle');
  let computed = 0;
  const read = (now: number) => kept.get(db, 'count', () => ++computed, now);
  for (const now of [0, 900, 1_800, 2_700, 3_600]) read(now);
  t.equal(computed, 1, 'used every 900 ms: never read again while nothing changed');
  read(4_700);
  t.equal(computed, 2, 'left alone for its time: read again');
  other.exec("update groups set name = 'Sales APAC'");
  read(4_800);
  t.equal(computed, 3, 'a change is seen at once');
});

t.test('a value read before a change is not kept as if read after it', async (t) => {
  const { db, other } = setUp(t);
  const kept = new UntilChanged<string>(2);
  const found = kept.lookup(db, 'group');
  const before = db.$client.prepare('select name from groups').pluck().get() as string;
  other.exec("update groups set name = 'Sales APAC'");
  found.keep(before);
  t.notOk(kept.lookup(db, 'group').hit, 'nothing kept');
});

t.test('the oldest entry makes room for a new one', async (t) => {
  const { db } = setUp(t);
  const kept = new UntilChanged<number>(2);
  for (const key of ['a', 'b', 'c']) kept.get(db, key, () => key.charCodeAt(0));
  t.notOk(kept.lookup(db, 'a').hit, 'the first is gone');
  t.same(kept.lookup(db, 'c').hit, { value: 99 }, 'the last is kept');
});
