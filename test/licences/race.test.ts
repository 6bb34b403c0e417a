import t from 'tap';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/connection.js';
import { activeAdministrator } from '../../src/access/actor.js';
import { assignLicences } from '../../src/licences/assign.js';
import { LicenceLimitError } from '../../src/licences/limits.js';
import { licenceOf, licenceTeam, setPool } from './fixture.js';

/**
 * Two administrators give the last full licence at the same moment, on two connections to the
 * same file, as two worker processes would. The first counts and writes inside a transaction
 * that holds SQLite's write lock; while it is open, the second cannot even count (it would wait,
 * here it is told to give up at once), and once the first commits, the second counts the seat
 * as taken and is refused. Both can never have it.
 */
t.test('two connections cannot both take the last licence', async (t) => {
  const ctx = await licenceTeam(t);
  setPool(ctx.db, { full: 2 }); // the superuser holds one: one is free
  const file = ctx.app.config.databaseFile;
  const first = openDatabase(file);
  const second = openDatabase(file);
  t.teardown(() => {
    first.$client.close();
    second.$client.close();
  });
  second.$client.pragma('busy_timeout = 0');
  const actorOn = (db: typeof first) => activeAdministrator(db, ctx.admin.id)!;
  const version = (id: number) =>
    ctx.db.$client.prepare('select version from users where id = ?').pluck().get(id) as number;
  const boVersion = version(ctx.boss.id);

  let secondWhileFirstOpen: unknown;
  first.transaction(
    (tx) => {
      // The first takes the last seat and has not committed yet.
      tx.run(sql`update users set licence_type = 'full' where id = ${ctx.ann.id}`);
      try {
        assignLicences(second, actorOn(second), ctx.boss.id, boVersion, { licenceType: 'full', addonIds: [] }, 'r2');
      } catch (error) {
        secondWhileFirstOpen = error;
      }
    },
    { behavior: 'immediate' },
  );
  t.match(secondWhileFirstOpen, { code: 'SQLITE_BUSY' }, 'the second waits for the first: it cannot count meanwhile');

  let secondAfterCommit: unknown;
  try {
    assignLicences(second, actorOn(second), ctx.boss.id, boVersion, { licenceType: 'full', addonIds: [] }, 'r2');
  } catch (error) {
    secondAfterCommit = error;
  }
  t.ok(secondAfterCommit instanceof LicenceLimitError, 'after the first commits, the second finds no seat free');
  t.match((secondAfterCommit as Error).message, 'Full: 0 free, this would need 1.');
  t.equal(licenceOf(ctx.db, ctx.ann.id), 'full');
  t.equal(licenceOf(ctx.db, ctx.boss.id), 'none');
});
