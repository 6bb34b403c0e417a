import type Database from 'better-sqlite3';
import type { Queryable } from '../db/connection.js';
import { clientOf, prepared } from '../db/statements.js';
import { membershipSortKey, referenceSortKey } from '../users/derived-fields.js';
import type { ListSpec } from './list-specs.js';

/**
 * The derived sort keys of users whose list names changed (see users/derived-fields.ts), in
 * set-based SQL: one statement however many users, so a rename or merge over a million users
 * is one pass over their rows.
 *
 * A many-valued list's key folds accents away, which SQLite cannot do, so the connection gets
 * the same JavaScript rule the per-user refresh uses as an SQL function.
 */
const MEMBERSHIP_KEY = 'roster_membership_sort_key';
const withFunction = new WeakSet<Database.Database>();

function ensureKeyFunction(db: Queryable): void {
  const client = clientOf(db);
  if (withFunction.has(client)) return;
  client.function(MEMBERSHIP_KEY, { deterministic: true }, (names) =>
    membershipSortKey(JSON.parse(String(names)) as string[]),
  );
  withFunction.add(client);
}

/** Users of a single-valued list item all get the same key: the item's folded name ('' for none). */
export function setSingleSortKeys(
  db: Queryable,
  spec: ListSpec,
  name: string | null,
  where: string,
  ...params: unknown[]
) {
  prepared(db, `update users set ${spec.sortColumn} = ? where ${where}`).run(referenceSortKey(name), ...params);
}

/**
 * Recomputes a many-valued list's key for the users in `idsQuery` (a select of user ids) from
 * the names they hold now.
 */
export function recomputeMembershipSortKeys(db: Queryable, spec: ListSpec, idsQuery: string, ...params: unknown[]) {
  if (spec.holding.kind !== 'membership') throw new Error(`${spec.key} is not a membership list`);
  ensureKeyFunction(db);
  prepared(
    db,
    `update users set ${spec.sortColumn} = ${MEMBERSHIP_KEY}((select json_group_array(n.name)
       from ${spec.holding.table} m join ${spec.table} n on n.id = m.ref_id where m.user_id = users.id))
     where id in (${idsQuery})`,
  ).run(...params);
}

/** After an item was renamed: every user holding it, those in the trash too, sorts by the new name. */
export function rewriteSortKeysOfItem(db: Queryable, spec: ListSpec, id: number, name: string): void {
  if (spec.holding.kind === 'single') setSingleSortKeys(db, spec, name, `${spec.holding.column} = ?`, id);
  else recomputeMembershipSortKeys(db, spec, `select user_id from ${spec.holding.table} where ref_id = ?`, id);
}
