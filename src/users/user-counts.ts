import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, oneRow } from '../db/statements.js';

/**
 * The organisation's users by status and licence, as the user_counts row keeps them: triggers on
 * users move it in the transaction of every write (migration 0014_overview_counts), so it is exact
 * after any write, one user's or a bulk job's, and costs one row to read however many users there are.
 */
export interface KeptCounts {
  total: number;
  /** Active and not blocked; a lock is counted apart, at read time. */
  active: number;
  inactive: number;
  blocked: number;
  mustChangePassword: number;
  neverSignedIn: number;
  full: number;
  viewer: number;
  /** Full and viewer licences of users active and not blocked. */
  fullHeld: number;
  viewerHeld: number;
}

export function keptCounts(db: Queryable): KeptCounts {
  return oneRow<KeptCounts>(
    db,
    sql`select total, active, inactive, blocked, must_change_password as mustChangePassword,
          never_signed_in as neverSignedIn, "full" as "full", viewer, full_held as fullHeld, viewer_held as viewerHeld
        from user_counts where id = 1`,
  )!;
}

/** Per add-on id: its holders not in the trash, and those of them active and not blocked (kept like the above). */
export function keptAddonCounts(db: Queryable): Map<number, { holders: number; held: number }> {
  const rows = allRows<{ id: number; holders: number; held: number }>(
    db,
    sql`select addon_id as id, holders, held from addon_counts`,
  );
  return new Map(rows.map((r) => [r.id, { holders: r.holders, held: r.held }]));
}
