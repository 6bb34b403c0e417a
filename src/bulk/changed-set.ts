import { type SQL, sql } from 'drizzle-orm';
import type { AuditAction } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import type { Progress } from '../jobs/job.js';
import { allRows, run } from '../db/statements.js';
import { displayName, displayNameSql } from '../users/derived-fields.js';
import { markRefused, NOT_REFUSED, type Refusal, type Rule } from './refusals.js';
import { IN_BULK } from './selection.js';
import type { Actor } from '../access/actor.js';

/**
 * Every bulk action works in three sets: the selected users (bulk_ids, see selection.ts), the
 * refused ones (by the action's rules), and the ones it changes (bulk_changed): selected, not
 * refused, and not already as asked. The confirmation page counts the same sets it acts on,
 * and runBulk below is the one transaction every action's work happens in.
 */

/** Every selected user not refused, for actions where nobody is "already as asked". */
export const EVERYONE = sql`1`;

export const IN_CHANGED = sql`(select id from bulk_changed)`;

export interface ActionPreview {
  selected: number;
  willChange: number;
  sample: { id: number; name: string }[];
  refused: Refusal[];
  refusedTotal: number;
}

/** What an action would do to the users in bulk_ids (see resolveSelection); a few of them by name. */
export function previewAction(
  db: Queryable,
  selected: number,
  rules: Rule[],
  changes: SQL,
  sampleSize = 5,
): ActionPreview {
  const { refused, refusedTotal } = markRefused(db, rules);
  const willChange = sql`${IN_BULK} and ${changes} and ${NOT_REFUSED}`;
  return {
    selected,
    willChange: allRows<{ n: number }>(db, sql`select count(*) as n from users u where ${willChange}`)[0]!.n,
    sample: allRows(
      db,
      sql`select u.id, ${displayNameSql('u')} as name from users u where ${willChange} order by u.name_sort, u.id limit ${sampleSize}`,
    ),
    refused,
    refusedTotal,
  };
}

export interface BulkOutcome {
  selected: number;
  changed: number;
  unchanged: number;
  refused: Refusal[];
  refusedTotal: number;
}

/** The changed users' ids, with any extra columns (`, expr as name, …`). */
export function changedUsers(tx: Queryable, extra: SQL = sql``) {
  return allRows<Record<string, unknown> & { id: number }>(
    tx,
    sql`select u.id ${extra} from bulk_changed c join users u on u.id = c.id order by u.id`,
  );
}

/**
 * What a changed user's audit entry shows beyond the action: field-level changes, as JSON of
 * field → [before, after], and the detail where it differs from user to user. Actions fill it
 * in SQL where they can: the entries are then written in one statement, not one at a time.
 */
export const AUDIT_NOTES = 'bulk_audit';

/** Sets columns of every changed user, and marks the rows as changed by the actor now. */
export function updateChanged(tx: Queryable, actor: Actor, at: number, assignments: SQL[]): void {
  const set = [...assignments, sql`updated_at = ${at}`, sql`updated_by = ${actor.id}`, sql`version = version + 1`];
  run(tx, sql`update users set ${sql.join(set, sql`, `)} where id in ${IN_CHANGED}`);
}

export interface BulkWork {
  /** Fills bulk_ids with the selected users and returns how many there are. */
  select(tx: Queryable): number;
  rules: Rule[];
  /** The condition a selected user meets when the action would change anything about them. */
  changes: SQL;
  /**
   * Changes the users in bulk_changed (it may leave some out by deleting them from it), and
   * notes in AUDIT_NOTES what each user's entry shows, when entries show more than the detail.
   */
  write(tx: Queryable): void;
  /** The entry each changed user gets; a note's detail, where there is one, takes the place of this one. */
  audit: { action: AuditAction; detail: string };
  /** Work done after the audit entries are written: a deletion, which leaves no row to name. */
  finish?(tx: Queryable): void;
}

/**
 * One bulk action, all or nothing: the selection, the refusals and the changed set are worked
 * out inside the transaction, the work is written, and every changed user gets an audit entry.
 */
export function runBulk(
  db: Db,
  actor: Actor,
  work: BulkWork,
  requestId: string,
  progress: Progress,
  now: Date,
): BulkOutcome {
  return db.transaction(
    (tx) => {
      progress('Finding the selected users', 0, 3);
      const selected = work.select(tx);
      const { refused, refusedTotal } = markRefused(tx, work.rules);
      run(tx, sql`create temp table if not exists bulk_changed (id integer primary key)`);
      run(tx, sql`delete from bulk_changed`);
      run(
        tx,
        sql`insert into bulk_changed select u.id from users u where ${IN_BULK} and ${work.changes} and ${NOT_REFUSED}`,
      );
      run(
        tx,
        sql.raw(`create temp table if not exists ${AUDIT_NOTES} (id integer primary key, changes text, detail text)`),
      );
      run(tx, sql.raw(`delete from ${AUDIT_NOTES}`));
      progress('Saving the changes', 1, 3);
      work.write(tx);
      progress('Recording the changes in the audit log', 2, 3);
      const changed = run(
        tx,
        sql`insert into audit_entries
              (at, actor_id, actor_name, action, target_user_id, target_name, changes, detail, request_id)
            select ${now.getTime()}, ${actor.id}, ${displayName(actor)}, ${work.audit.action}, u.id,
              ${displayNameSql('u')}, n.changes, coalesce(n.detail, ${work.audit.detail}), ${requestId}
            from bulk_changed c join users u on u.id = c.id left join ${sql.raw(AUDIT_NOTES)} n on n.id = c.id
            order by c.id`,
      ).changes;
      work.finish?.(tx);
      return { selected, changed, unchanged: selected - changed - refusedTotal, refused, refusedTotal };
    },
    { behavior: 'immediate' },
  );
}
