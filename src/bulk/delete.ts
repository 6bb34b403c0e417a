import { and, sql } from 'drizzle-orm';
import type { Progress } from '../jobs/job.js';
import type { Db, Queryable } from '../db/connection.js';
import { run } from '../db/statements.js';
import { trashedVisibleTo } from '../access/scope.js';
import { type BulkOutcome, type BulkWork, EVERYONE, IN_CHANGED, runBulk, updateChanged } from './changed-set.js';
import type { Rule } from './refusals.js';
import { BULK_IDS, fillBulkIds, resolveSelection, type Selection, u } from './selection.js';
import type { Actor } from '../access/actor.js';
import { protections } from '../access/policy.js';
import { filterZone, listConditions } from '../list/list-repository.js';
import { listQueryFromString } from '../list/list-query.js';
import { restoreSeatGains } from '../licences/bulk-seats.js';
import { requireSeats } from '../licences/limits.js';

/**
 * Bulk delete (B4) moves users to the trash, as deleting one by one does; and a batch comes
 * back from the trash the same way. The rules of one deletion hold for each user.
 */

export function deleteRules(actor: Actor): Rule[] {
  return [
    ...protections(actor, 'delete', BULK_IDS),
    {
      // Deleting a supervisor together with everyone they supervise is fine; leaving reports behind is not.
      when: sql`exists (select 1 from users r where r.supervisor_id = u.id and r.deleted_at is null
                          and r.id not in (select id from bulk_ids))`,
      reason: 'Supervises users who are not being deleted: give them another supervisor first.',
    },
  ];
}

export function applyDelete(
  db: Db,
  actor: Actor,
  selection: Selection,
  requestId: string,
  progress: Progress,
  now = new Date(),
): BulkOutcome & { deletedAt: number } {
  const at = now.getTime();
  const work: BulkWork = {
    select: (tx) => resolveSelection(tx, actor, selection),
    rules: deleteRules(actor),
    changes: EVERYONE,
    write: (tx) => {
      updateChanged(tx, actor, at, [sql`deleted_at = ${at}`]);
      run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
    },
    audit: { action: 'user.delete', detail: 'Bulk delete' },
  };
  // The batch is known by its moment of deletion: restoring it brings back exactly these users.
  return { ...runBulk(db, actor, work, requestId, progress, now), deletedAt: at };
}

/**
 * Users in the trash to act on: ticked on the trash page, all matching its search (`query`, the
 * trash's query string), or all deleted by one bulk delete.
 */
export type TrashSelection = { ids: number[] } | { query: string } | { deletedAt: number };

export function restoreRules(): Rule[] {
  return [
    {
      when: sql`exists (select 1 from users l where lower(l.username) = lower(u.username) and l.deleted_at is null)`,
      reason: 'Their username has been taken since: restore them on their own to give a new one.',
    },
    {
      // Two trashed users can share a username; only the first of them can have it back.
      // Numbered once for the whole batch: a lookup per user would compare every pair.
      when: sql`u.id in (select id from (
          select t.id, row_number() over (partition by lower(t.username) order by t.id) as n
          from bulk_ids b join users t on t.id = b.id) where n > 1)`,
      reason: 'Another user being restored has the same username: restore them on their own.',
    },
  ];
}

/** The trashed users selected, into bulk_ids, with scope applied. */
export function resolveTrashSelection(tx: Queryable, actor: Actor, selection: TrashSelection): number {
  if ('ids' in selection) {
    const ticked = sql`u.id in (select value from json_each(${JSON.stringify(selection.ids)}))`;
    return fillBulkIds(tx, sql`${trashedVisibleTo(actor, u)} and ${ticked}`, selection.ids.length);
  }
  if ('query' in selection) {
    const query = listQueryFromString(selection.query);
    // A filter that cannot be applied never means the whole trash.
    if (query.invalidFilter) return fillBulkIds(tx, sql`u.id is null`);
    return fillBulkIds(tx, and(...listConditions(actor, query, filterZone(tx, actor), undefined, 'trash'))!);
  }
  return fillBulkIds(tx, sql`${trashedVisibleTo(actor, u)} and u.deleted_at = ${selection.deletedAt}`);
}

export function applyRestore(
  db: Db,
  actor: Actor,
  selection: TrashSelection,
  requestId: string,
  progress: Progress,
  now = new Date(),
): BulkOutcome {
  const at = now.getTime();
  const work: BulkWork = {
    select: (tx) => resolveTrashSelection(tx, actor, selection),
    rules: restoreRules(),
    changes: EVERYONE,
    write: (tx) => {
      // Restored users take their licences back: past a limit, nobody is restored.
      requireSeats(tx, restoreSeatGains(tx, sql`u.id in ${IN_CHANGED}`));
      updateChanged(tx, actor, at, [sql`deleted_at = null`]);
    },
    audit: { action: 'user.restore', detail: 'Bulk restore' },
  };
  return runBulk(db, actor, work, requestId, progress, now);
}
