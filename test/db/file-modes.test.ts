import { statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

t.test('the database, the job board and their logs are readable by their owner only', async (t) => {
  const app = await buildTestApp(t);
  // Writing makes sure every file, the logs included, exists.
  app.db.$client.exec('create table touched (x)');
  app.jobs.board.create({ kind: 'test', title: 'A test', actorId: 1, params: {} });
  for (const name of ['roster.db', 'roster.db-wal', 'roster.db-shm', 'jobs.db', 'jobs.db-wal', 'jobs.db-shm']) {
    const mode = statSync(path.join(app.config.dataDir, name)).mode & 0o777;
    t.equal(mode.toString(8), '600', name);
  }
});
