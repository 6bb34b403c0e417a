import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { users } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp, tempDir } from '../helpers/app.js';
import { type Run, run } from '../helpers/cli.js';

function backup(dataDir: string, args: string[]): Promise<Run> {
  return run('src/cli/backup.ts', args, { DATA_DIR: dataDir });
}

t.test('copies the database while the app holds it open', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  app.db
    .insert(users)
    .values([{ username: 'mary' }, { username: 'olu', email: 'olu@example.com' }])
    .run();
  const expected = app.db.$client.prepare('select id, username, email, admin_role from users order by id').all();
  t.equal(expected.length, 3);

  const file = path.join(tempDir(t), 'roster-backup.db');
  const run = await backup(app.config.dataDir, [file]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, new RegExp(`Backup written to ${file} \\(\\d+(\\.\\d)? (bytes|KiB|MiB)\\)`));

  const copy = new Database(file, { readonly: true });
  t.teardown(() => copy.close());
  t.same(copy.prepare('pragma integrity_check').pluck().get(), 'ok');
  t.same(copy.prepare('select id, username, email, admin_role from users order by id').all(), expected);

  t.equal((await app.inject('/healthz')).statusCode, 200, 'the app kept working meanwhile');
});

t.test('never overwrites an existing file', async (t) => {
  const app = await buildTestApp(t);
  const file = path.join(tempDir(t), 'older-backup.db');
  writeFileSync(file, 'an older backup');
  const run = await backup(app.config.dataDir, [file]);
  t.equal(run.code, 1);
  t.match(run.stderr, `${file} already exists`);
  t.equal(readFileSync(file, 'utf8'), 'an older backup');
});

t.test('refuses without a file, or without a database to copy', async (t) => {
  const missing = await backup(tempDir(t), []);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /Usage: npm run backup -- FILE/);

  const empty = tempDir(t);
  const noDb = await backup(empty, [path.join(empty, 'backup.db')]);
  t.equal(noDb.code, 1);
  t.match(noDb.stderr, /There is no database/);
});
