import type { Queryable } from '../db/connection.js';
import { settings } from '../db/schema.js';
import { prepared } from '../db/statements.js';

/**
 * The console-wide choices kept in the settings table, a JSON value a key. Each choice has its
 * own module that names its key, checks the value it reads and audits a change in its words;
 * this is only the storage they share.
 */

/**
 * The stored value, or undefined when the choice was never made. Read on every request (the
 * two-step requirement), so through a statement prepared once rather than a query built afresh.
 */
export function readSetting(db: Queryable, key: string): unknown {
  const row = prepared(db, 'select value from settings where key = ?').get(key) as { value: string } | undefined;
  return row && JSON.parse(row.value);
}

/** Stores the value, in the caller's transaction, with who set it and when. */
export function writeSetting(tx: Queryable, key: string, value: unknown, byId: number, now: Date): void {
  const values = { value, updatedAt: now, updatedBy: byId };
  tx.insert(settings)
    .values({ key, ...values })
    .onConflictDoUpdate({ target: settings.key, set: values })
    .run();
}
