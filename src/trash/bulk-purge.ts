import { sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import type { Progress } from '../jobs/job.js';
import { run } from '../db/statements.js';
import { type BulkOutcome, type BulkWork, EVERYONE, IN_CHANGED, runBulk } from '../bulk/changed-set.js';
import type { Rule } from '../bulk/refusals.js';
import { resolveTrashSelection, type TrashSelection } from '../bulk/delete.js';
import { BULK_IDS } from '../bulk/selection.js';
import type { Actor } from '../access/actor.js';
import { protections } from '../access/policy.js';

/**
 * Deleting users from the trash for good, many at once, by the rules of deleting one: nobody
 * who stays (live, or left in the trash) may still name a purged user as their supervisor.
 */
export function purgeRules(actor: Actor): Rule[] {
  return [
    ...protections(actor, 'delete', BULK_IDS),
    {
      when: sql`exists (select 1 from users r where r.supervisor_id = u.id and r.id not in ${BULK_IDS})`,
      reason: 'Still named as supervisor by a user who stays: give them another supervisor first.',
    },
  ];
}

/**
 * A selected user can be refused by a rule while their own supervisor, also selected, is not:
 * that supervisor must then stay too. Repeated until nothing changes, as the daily purge does.
 */
function keepSupervisorsOfTheKept(tx: Queryable): void {
  for (;;) {
    const kept = run(
      tx,
      sql`delete from bulk_changed where id in (
            select r.supervisor_id from users r
            where r.supervisor_id in ${IN_CHANGED} and r.id not in ${IN_CHANGED})`,
    ).changes;
    if (kept === 0) return;
  }
}

export function applyPurge(
  db: Db,
  actor: Actor,
  selection: TrashSelection,
  requestId: string,
  progress: Progress,
  now = new Date(),
): BulkOutcome {
  const work: BulkWork = {
    select: (tx) => resolveTrashSelection(tx, actor, selection),
    rules: purgeRules(actor),
    changes: EVERYONE,
    write: (tx) => {
      keepSupervisorsOfTheKept(tx);
      // Supervisors purged with their reports: the links inside the batch go first.
      run(tx, sql`update users set supervisor_id = null where id in ${IN_CHANGED} and supervisor_id is not null`);
    },
    audit: { action: 'user.purge', detail: 'Bulk permanent delete' },
    // Memberships and sessions go with the rows (foreign keys cascade); the audit entries stay.
    finish: (tx) => run(tx, sql`delete from users where id in ${IN_CHANGED}`),
  };
  return runBulk(db, actor, work, requestId, progress, now);
}
