import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';

/**
 * One sync run at a time, across every worker process and through restarts. A runner claims the
 * due run by writing its claim id and a lease into the one settings row, in a single UPDATE that
 * only succeeds when the run is due and no live lease holds it; SQLite serialises writers, so of
 * two claimers exactly one changes the row. A process that dies mid-run leaves its lease to run
 * out, and the run, still due, is claimed again.
 */

/** Longer than a run over 200,000 entries takes; the runner renews it while it works. */
export const SYNC_LEASE_MS = 30 * 60_000;

/** Claims the scheduled run if it is due; true when this claim won. */
export function claimDueSync(db: Queryable, claimId: string, now: Date, leaseMs = SYNC_LEASE_MS): boolean {
  const at = now.getTime();
  return (
    prepared(
      db,
      `update directory_settings set sync_claim_id = ?, sync_lease_until = ?
       where id = 1 and sync_enabled = 1 and sync_next_at is not null and sync_next_at <= ?
         and (sync_lease_until is null or sync_lease_until <= ?)`,
    ).run(claimId, at + leaseMs, at, at).changes === 1
  );
}

/**
 * Claims a run asked for now (the page's "Run now" or a confirmation), whatever the schedule:
 * refused only while another run holds a live lease.
 */
export function claimSyncNow(db: Queryable, claimId: string, now: Date, leaseMs = SYNC_LEASE_MS): boolean {
  const at = now.getTime();
  return (
    prepared(
      db,
      `update directory_settings set sync_claim_id = ?, sync_lease_until = ?
       where id = 1 and (sync_lease_until is null or sync_lease_until <= ?)`,
    ).run(claimId, at + leaseMs, at).changes === 1
  );
}

/** Ends a claim and schedules the next run one interval on (when sync is on). */
export function releaseSync(db: Queryable, claimId: string, now: Date): void {
  prepared(
    db,
    `update directory_settings set sync_claim_id = null, sync_lease_until = null,
       sync_next_at = case when sync_enabled = 1 then ? + sync_interval_minutes * 60000 else null end
     where id = 1 and sync_claim_id = ?`,
  ).run(now.getTime(), claimId);
}

/** Whether a run holds a live lease now, for the page to say so. */
export function syncRunning(db: Queryable, now: Date): boolean {
  return (
    prepared(db, 'select 1 from directory_settings where id = 1 and sync_lease_until > ?').get(now.getTime()) !==
    undefined
  );
}
