import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, run } from '../db/statements.js';
import { displayNameSql } from '../users/derived-fields.js';
import { allowedBy, type Refusal, refusedCount, refusedUsers, type Rule } from './refusals.js';
import { IN_BULK } from './selection.js';

/**
 * Every bulk action works in three sets: the selected users (bulk_ids, see selection.ts), the
 * refused ones (by the action's rules), and the ones it changes (bulk_changed): selected, not
 * refused, and not already as asked. The confirmation page counts the same sets it acts on.
 */

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
  const willChange = sql`${IN_BULK} and ${changes} and ${allowedBy(rules)}`;
  return {
    selected,
    willChange: allRows<{ n: number }>(db, sql`select count(*) as n from users u where ${willChange}`)[0]!.n,
    sample: allRows(
      db,
      sql`select u.id, ${displayNameSql('u')} as name from users u where ${willChange} order by u.name_sort, u.id limit ${sampleSize}`,
    ),
    refused: refusedUsers(db, IN_BULK, rules),
    refusedTotal: refusedCount(db, IN_BULK, rules),
  };
}

export interface BulkOutcome {
  selected: number;
  changed: number;
  unchanged: number;
  refused: Refusal[];
  refusedTotal: number;
}

/**
 * Puts the users the action will change into the temporary table bulk_changed and returns how
 * many, with the refusals: the first step of every bulk action, inside its transaction.
 */
export function markChanged(tx: Queryable, rules: Rule[], changes: SQL) {
  const refused = refusedUsers(tx, IN_BULK, rules);
  const refusedTotal = refusedCount(tx, IN_BULK, rules);
  run(tx, sql`create temp table if not exists bulk_changed (id integer primary key)`);
  run(tx, sql`delete from bulk_changed`);
  const changed = run(
    tx,
    sql`insert into bulk_changed select u.id from users u where ${IN_BULK} and ${changes} and ${allowedBy(rules)}`,
  ).changes;
  return { refused, refusedTotal, changed };
}

export const IN_CHANGED = sql`(select id from bulk_changed)`;

/** The changed users' ids and names, for their audit entries. */
export function changedUsers(
  tx: Queryable,
  extra: SQL = sql``,
): (Record<string, unknown> & { id: number; name: string })[] {
  return allRows(
    tx,
    sql`select u.id, ${displayNameSql('u')} as name ${extra} from bulk_changed c join users u on u.id = c.id order by u.id`,
  );
}
