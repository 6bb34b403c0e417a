import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { run } from '../db/statements.js';

/**
 * Counters by day (UTC) for what the Overview charts but no table keeps a row for: a sign-in
 * only updates the user's last sign-in. Each is incremented in the transaction of the event,
 * so the charts read thirty rows instead of a log.
 */
export const ACTIVITY_KINDS = ['signin'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** The UTC day of an instant, as the table keys it: YYYY-MM-DD. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

export function countActivity(tx: Queryable, kind: ActivityKind, at: Date): void {
  run(
    tx,
    sql`insert into daily_activity (day, kind, count) values (${utcDay(at)}, ${kind}, 1)
        on conflict (day, kind) do update set count = count + 1`,
  );
}
