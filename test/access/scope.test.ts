import { actorOf } from '../../src/access/actor.js';
import t from 'tap';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { users } from '../../src/db/schema.js';
import { planList } from '../../src/list/list-repository.js';
import { parseListQuery } from '../../src/list/list-query.js';
import { findVisibleUser } from '../../src/users/repository.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';

const countVisibleUsers = (db: Parameters<typeof planList>[0], actor: Parameters<typeof planList>[1]) =>
  planList(db, actor, parseListQuery({})).count.value;

function directory() {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const add = (username: string, extra: Partial<typeof users.$inferInsert> = {}) =>
    db
      .insert(users)
      .values({ username, ...extra })
      .returning()
      .get();
  return { db, add };
}

t.test('a superuser sees every user that is not in the trash', async (t) => {
  const { db, add } = directory();
  const root = actorOf(db, add('root', { adminRole: 'superuser' }))!;
  const ann = add('ann');
  const trashed = add('gone', { deletedAt: new Date() });
  t.equal(countVisibleUsers(db, root), 2);
  t.equal(findVisibleUser(db, root, ann.id)?.username, 'ann');
  t.equal(findVisibleUser(db, root, trashed.id), undefined, 'trashed users are not found by id');
});

t.test('an administrator without a scope sees no one: not in counts, not by id', async (t) => {
  const { db, add } = directory();
  const scoped = actorOf(db, add('helpdesk', { adminRole: 'admin' }))!;
  const ann = add('ann');
  t.equal(countVisibleUsers(db, scoped), 0);
  t.equal(findVisibleUser(db, scoped, ann.id), undefined);
  t.equal(findVisibleUser(db, scoped, scoped.id), undefined, 'not even themselves, until a scope says so');
});

t.test('the overview counts through the same seam', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  app.db
    .insert(users)
    .values([{ username: 'ann' }, { username: 'bob' }, { username: 'old', deletedAt: new Date() }])
    .run();
  const browser = new Client(app);
  await browser.signIn();
  const overview = (await browser.get('/')).body;
  t.match(
    overview,
    /<h3>Users<\/h3>\s*<p class="tile-figure">3<\/p>/,
    'the superuser and two users; the trashed one is not counted',
  );
});
