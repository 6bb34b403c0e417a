import { sql } from 'drizzle-orm';
import { recordAudits } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { run } from '../db/statements.js';
import { displayName } from '../users/derived-fields.js';
import { trashedVisibleTo } from '../users/trash-service.js';
import { type BulkOutcome, changedUsers, IN_CHANGED, markChanged } from './changed-set.js';
import type { Rule } from './refusals.js';
import { OutOfScopeError, resolveSelection, type Selection, u } from './selection.js';

/**
 * Bulk delete (B4) moves users to the trash, as deleting one by one does; and a batch comes
 * back from the trash the same way. The rules of one deletion hold for each user.
 */

type Actor = Pick<User, 'id' | 'adminRole' | 'fullName' | 'firstName' | 'lastName' | 'username'>;

export function deleteRules(actor: Actor): Rule[] {
  return [
    // The actor is an active superuser and stays, so the last-superuser rule is met by this one.
    { when: sql`u.id = ${actor.id}`, reason: 'You cannot delete your own account while signed in with it.' },
    {
      // Deleting a supervisor together with everyone they supervise is fine; leaving reports behind is not.
      when: sql`exists (select 1 from users r where r.supervisor_id = u.id and r.deleted_at is null
                          and r.id not in (select id from bulk_ids))`,
      reason: 'Supervises users who are not being deleted: give them another supervisor first.',
    },
  ];
}

/** Every selected user not refused is deleted: none is "already" in the trash (the selection holds live users only). */
export const EVERYONE = sql`1`;

export function applyDelete(db: Db, actor: Actor, selection: Selection, requestId: string, now = new Date()) {
  const at = now.getTime();
  return db.transaction(
    (tx): BulkOutcome & { deletedAt: number } => {
      const selected = resolveSelection(tx, actor, selection).length;
      const { refused, refusedTotal, changed } = markChanged(tx, deleteRules(actor), EVERYONE);
      const rows = changedUsers(tx);
      run(
        tx,
        sql`update users set deleted_at = ${at}, updated_at = ${at}, updated_by = ${actor.id}, version = version + 1
            where id in ${IN_CHANGED}`,
      );
      run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
      const actorRef = { id: actor.id, name: displayName(actor) };
      recordAudits(
        tx,
        rows.map((row) => ({
          action: 'user.delete' as const,
          actor: actorRef,
          target: { id: row.id, name: row.name },
          detail: 'Bulk delete',
          requestId,
        })),
        now,
      );
      return { selected, changed, unchanged: 0, refused, refusedTotal, deletedAt: at };
    },
    { behavior: 'immediate' },
  );
}

/** Users in the trash to bring back: ticked on the trash page, or all deleted by one bulk delete. */
export type TrashSelection = { ids: number[] } | { deletedAt: number };

export function restoreRules(): Rule[] {
  return [
    {
      when: sql`exists (select 1 from users l where lower(l.username) = lower(u.username) and l.deleted_at is null)`,
      reason: 'Their username has been taken since: restore them on their own to give a new one.',
    },
    {
      // Two trashed users can share a username; only the first of them can have it back.
      when: sql`exists (select 1 from users t where t.id < u.id and t.id in (select id from bulk_ids)
                          and lower(t.username) = lower(u.username))`,
      reason: 'Another user being restored has the same username: restore them on their own.',
    },
  ];
}

/** The trashed users selected, into bulk_ids, with scope applied. */
export function resolveTrashSelection(tx: Queryable, actor: Actor, selection: TrashSelection): number {
  run(tx, sql`create temp table if not exists bulk_ids (id integer primary key)`);
  run(tx, sql`delete from bulk_ids`);
  const which =
    'ids' in selection
      ? sql`u.id in (select value from json_each(${JSON.stringify(selection.ids)}))`
      : sql`u.deleted_at = ${selection.deletedAt}`;
  const found = run(
    tx,
    sql`insert into bulk_ids select u.id from users u where ${trashedVisibleTo(actor, u)} and ${which}`,
  ).changes;
  if ('ids' in selection && found < selection.ids.length) throw new OutOfScopeError(selection.ids.length - found);
  return found;
}

export function applyRestore(db: Db, actor: Actor, selection: TrashSelection, requestId: string, now = new Date()) {
  const at = now.getTime();
  return db.transaction(
    (tx): BulkOutcome => {
      const selected = resolveTrashSelection(tx, actor, selection);
      const { refused, refusedTotal, changed } = markChanged(tx, restoreRules(), EVERYONE);
      run(
        tx,
        sql`update users set deleted_at = null, updated_at = ${at}, updated_by = ${actor.id}, version = version + 1
            where id in ${IN_CHANGED}`,
      );
      const actorRef = { id: actor.id, name: displayName(actor) };
      recordAudits(
        tx,
        changedUsers(tx).map((row) => ({
          action: 'user.restore' as const,
          actor: actorRef,
          target: { id: row.id, name: row.name },
          detail: 'Bulk restore',
          requestId,
        })),
        now,
      );
      return { selected, changed, unchanged: 0, refused, refusedTotal };
    },
    { behavior: 'immediate' },
  );
}
