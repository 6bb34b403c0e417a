import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';
import { createPrivateFile } from '../storage/data-dir.js';
import { normalize } from '../text.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** The connection or a transaction on it: repository functions work inside either. */
export type Queryable = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Opens a connection with the pragmas every connection needs (WAL, durable commits, foreign keys).
 * A new database file is readable by its owner only: it holds password hashes and personal data.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') createPrivateFile(file);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // better-sqlite3 reopens WAL databases at NORMAL: ask for FULL on every connection.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // A million users make a database of about a gigabyte: map it, and keep a generous page
  // cache, so list queries read memory rather than making system calls per page.
  sqlite.pragma('mmap_size = 2147483648');
  sqlite.pragma('cache_size = -65536');
  // SQLite's lower() and LIKE fold only ASCII; filters compare fold(column) with folded input.
  sqlite.function('fold', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? normalize(value) : value,
  );
  return drizzle(sqlite, { schema });
}

/**
 * Applies pending migrations. Foreign keys are off meanwhile because a table-rebuild migration
 * would otherwise cascade-delete rows; the check afterwards proves nothing was left dangling.
 */
export function migrateDatabase(db: Db): void {
  const sqlite = db.$client;
  const applied = () =>
    sqlite.prepare("select name from sqlite_master where name = '__drizzle_migrations'").get()
      ? (sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get() as number)
      : 0;
  const before = applied();
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(db, { migrationsFolder: MIGRATIONS });
    // The check reads every row: worth it after a migration, seconds wasted on a plain restart.
    if (applied() !== before) {
      const broken = sqlite.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration left ${broken.length} broken foreign keys`);
    }
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}
