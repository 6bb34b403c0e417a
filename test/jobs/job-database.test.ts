import { statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { openDatabase } from '../../src/db/connection.js';
import { checkpointAfterWrites, openJobDatabase } from '../../src/jobs/job-database.js';
import { tempDir } from '../helpers/app.js';

t.test(
  'the job process moves the log into the database after jobs that wrote, not after those that only read',
  async (t) => {
    const file = path.join(tempDir(t), 'roster.db');
    const pages = openDatabase(file);
    pages.$client.pragma('wal_autocheckpoint = 0');
    pages.$client.exec('create table notes (text text)');
    pages.$client.pragma('wal_checkpoint(TRUNCATE)');
    const jobs = openJobDatabase(file);
    t.teardown(() => {
      jobs.$client.close();
      pages.$client.close();
    });
    const afterJobs = checkpointAfterWrites(jobs);
    const databaseBytes = () => statSync(file).size;

    // Another connection (a page) writes: its rows wait in the log.
    const insert = pages.$client.prepare('insert into notes values (?)');
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(100));
    const before = databaseBytes();

    jobs.$client.prepare('select count(*) from notes').pluck().get();
    afterJobs();
    t.equal(databaseBytes(), before, 'after a job that only read, the log is left as it was');

    jobs.$client.prepare('insert into notes values (?)').run('from a job');
    afterJobs();
    t.ok(databaseBytes() > before, 'after a job that wrote, everything in the log is in the database');
    t.equal(jobs.$client.prepare('select count(*) from notes').pluck().get(), 2001);
  },
);
