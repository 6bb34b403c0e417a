import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { migrateDatabase, openDatabase } from '../src/db/connection.js';
import { seedUsers } from '../src/seed/seed.js';
import { type AdminOutcome, ensureBenchAdmin } from './admin.js';
import type { BenchOptions } from './config.js';

export interface PreparedData {
  managedUsers: number;
  /** Seconds the seed took, when this run had to seed. */
  seedSeconds?: number;
  admin: AdminOutcome;
  /** A supervisor with an ordinary number of reports, for the supervisor filter. */
  supervisorId: number;
  sqliteVersion: string;
}

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, 'roster.db');
}

/** The database file and its write-ahead log, which holds committed pages not yet copied back. */
export function databaseBytes(dataDir: string): number {
  const file = databaseFile(dataDir);
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

/** Seeds the bench directory when it does not hold the wanted number of users, and signs the bench up. */
export async function prepareDatabase(options: BenchOptions): Promise<PreparedData> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = openDatabase(databaseFile(options.dataDir));
  try {
    migrateDatabase(db);
    const sqlite = db.$client;
    const countManaged = () =>
      sqlite.prepare('select count(*) from users where admin_role is null').pluck().get() as number;

    let seedSeconds: number | undefined;
    const existing = countManaged();
    if (existing !== options.users) {
      console.log(
        `The bench database holds ${existing.toLocaleString('en')} managed users; seeding ${options.users.toLocaleString('en')}…`,
      );
      const started = performance.now();
      seedUsers(db, {
        users: options.users,
        replace: true,
        onProgress: (done) =>
          process.stdout.write(`\r${done.toLocaleString('en')} of ${options.users.toLocaleString('en')} users`),
      });
      seedSeconds = (performance.now() - started) / 1000;
      process.stdout.write('\n');
      console.log(`Seeded ${options.users.toLocaleString('en')} users in ${seedSeconds.toFixed(1)} s`);
    }

    const admin = await ensureBenchAdmin(db, options.credentials);
    // The last user reports to an ordinary manager (the first few managers also lead managers).
    const supervisorId = sqlite
      .prepare(
        'select supervisor_id from users where admin_role is null and supervisor_id is not null order by id desc limit 1',
      )
      .pluck()
      .get() as number | undefined;
    if (supervisorId === undefined) throw new Error('No user in the bench database has a supervisor');

    return {
      managedUsers: countManaged(),
      seedSeconds,
      admin,
      supervisorId,
      sqliteVersion: sqlite.prepare('select sqlite_version()').pluck().get() as string,
    };
  } finally {
    db.$client.close();
  }
}
