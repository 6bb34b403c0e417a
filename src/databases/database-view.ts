import type { ColumnKey } from '../list/columns.js';
import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { referenceLists } from '../reference/reference-lists.js';

/** The columns a database view row reads besides its ticks (see views/databases/_table.eta). */
export const DATABASE_ROW_COLUMNS: readonly ColumnKey[] = ['name', 'status', 'databases'];

/** The databases each of these users may open, by user id: one indexed read for the page's rows. */
export function databaseAccessOf(db: Queryable, ids: readonly number[]): Record<number, number[]> {
  const access: Record<number, number[]> = Object.fromEntries(ids.map((id) => [id, []]));
  const rows = prepared(
    db,
    `select user_id as userId, ref_id as refId from user_databases
     where user_id in (select value from json_each(?))`,
  ).all(JSON.stringify(ids)) as { userId: number; refId: number }[];
  for (const { userId, refId } of rows) access[userId]?.push(refId);
  return access;
}

/** What the users list adds for its database view: a column per database, and each row's ticks. */
export function databaseViewData(db: Queryable, ids: readonly number[]) {
  return { databases: referenceLists(db).databases.options, access: databaseAccessOf(db, ids) };
}
