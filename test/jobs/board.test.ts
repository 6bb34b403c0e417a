import t from 'tap';
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { JobBoard, SECRET_KEPT_MS } from '../../src/jobs/board.js';
import { runJob } from '../../src/jobs/run-job.js';
import { addSuperuser, buildTestApp, tempDir } from '../helpers/app.js';
import { run } from '../helpers/cli.js';

const summary = { headline: 'Done.', counts: [], refused: [], refusedMore: 0, links: [] };

t.test('secrets are encrypted at rest, shown once, downloaded once, and forgotten in time', async (t) => {
  const file = path.join(tempDir(t), 'jobs.db');
  const board = new JobBoard(file, 'a secret long enough for the key');
  t.teardown(() => board.close());
  const secret = [{ username: 'ann', password: 'Plain-Text-Secret-99' }];

  const id = board.create({ kind: 'bulk.reset', title: 'Resetting', actorId: 1, params: {} });
  board.finish(id, summary, secret);
  const stored = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f));
  t.notOk(Buffer.concat(stored).includes('Plain-Text-Secret-99'), 'the board files do not hold the password');
  t.ok(board.get(id)!.hasSecret);
  t.same(board.showSecretOnce(id), secret);
  t.equal(board.showSecretOnce(id), undefined, 'shown once');
  t.ok(board.get(id)!.secretShown);
  t.same(board.takeSecret(id), secret, 'still downloadable');
  t.equal(board.takeSecret(id), undefined, 'downloaded once');
  t.notOk(board.get(id)!.hasSecret);

  const later = board.create({ kind: 'bulk.reset', title: 'Resetting', actorId: 1, params: {} });
  board.finish(later, summary, secret);
  t.equal(board.takeSecret(later, Date.now() + SECRET_KEPT_MS + 1), undefined, 'gone after the time it is kept');
  t.notOk(board.get(later, Date.now() + SECRET_KEPT_MS + 1)!.hasSecret);

  const wrongKey = new JobBoard(file, 'another secret altogether');
  const third = wrongKey.create({ kind: 'bulk.reset', title: 'Resetting', actorId: 1, params: {} });
  wrongKey.finish(third, summary, secret);
  t.throws(() => board.takeSecret(third), 'a board with another key cannot read it');
  wrongKey.close();
});

t.test('a job whose process is gone is reported as stopped, with nothing changed', async (t) => {
  const file = path.join(tempDir(t), 'jobs.db');
  const board = new JobBoard(file, 'a secret long enough for the key');
  t.teardown(() => board.close());
  const id = board.create({ kind: 'bulk.update', title: 'Updating', actorId: 1, params: {} });
  board.progress(id, 'Saving the changes', 1, 3);
  const raw = new Database(file);
  raw.prepare('update jobs set pid = ? where id = ?').run(2 ** 22 + 12345, id);
  raw.close();
  const job = board.get(id)!;
  t.equal(job.state, 'failed');
  t.match(job.error, /Roster stopped before this work finished. Nothing was changed./);
});

t.test('finished jobs are cleared after a week', async (t) => {
  const board = new JobBoard(path.join(tempDir(t), 'jobs.db'), 'a secret long enough for the key');
  t.teardown(() => board.close());
  const old = board.create({ kind: 'bulk.update', title: 'Updating', actorId: 1, params: {} });
  board.finish(old, summary);
  board.create({ kind: 'bulk.update', title: 'Updating', actorId: 1, params: {} }, Date.now() + 8 * 24 * 3_600_000);
  t.equal(board.get(old), undefined);
});

t.test('a job runs only for an administrator who may still act, and only a known kind', async (t) => {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const { board } = app.jobs;
  const log = pino({ level: 'silent' });

  const unknown = board.create({ kind: 'bulk.teleport', title: 'Teleporting', actorId: admin.id, params: {} });
  await runJob(app.db, board, app.mail.outbox, log, unknown, 'r1', app.config.dataDir);
  t.match(board.get(unknown)!.error, /You may no longer do this. Nothing was changed./);

  app.db.run(sql`update users set blocked = 1 where id = ${admin.id}`);
  const blocked = board.create({
    kind: 'bulk.access',
    title: 'Block',
    actorId: admin.id,
    params: { selection: { query: '' }, action: 'unblock' },
  });
  await runJob(app.db, board, app.mail.outbox, log, blocked, 'r2', app.config.dataDir);
  t.equal(board.get(blocked)!.state, 'failed');
  t.match(board.get(blocked)!.error, /You may no longer do this/);
  t.equal(app.db.get<{ blocked: number }>(sql`select blocked from users where id = ${admin.id}`)!.blocked, 1);
});

t.test('workers opening a new board all at once each find it ready, none fails', async (t) => {
  for (let round = 0; round < 3; round++) {
    const file = path.join(tempDir(t), 'jobs.db');
    const opened = await Promise.all(Array.from({ length: 4 }, () => run('test/helpers/open-board.ts', [file], {})));
    t.same(
      opened.map((o) => [o.code, o.stderr.trim()]),
      Array.from({ length: 4 }, () => [0, '']),
      `round ${round + 1}: every process opened it`,
    );
    const db = new Database(file);
    t.equal(db.prepare("select count(*) from sqlite_master where name = 'jobs'").pluck().get(), 1);
    db.close();
  }
});
