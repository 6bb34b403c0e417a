import { and, sql } from 'drizzle-orm';
import { usersCount } from '../text.js';
import { auditActor, recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { allRows } from '../db/statements.js';
import { MAX_TICKED, resolveSelection, u } from '../bulk/selection.js';
import { COLUMN_BY_KEY, type ColumnKey } from '../list/columns.js';
import { type Cursor, DEFAULT_PAGE_SIZE, type ListQuery, listQueryParams } from '../list/list-query.js';
import { type ListPlan, loadRows, pageOfIds } from '../list/list-repository.js';
import { visibleTo } from '../access/scope.js';
import { csvHeader, csvLines } from './csv.js';
import type { Actor } from '../access/actor.js';

/**
 * Exports of the users list (F1): the same list query that draws the page decides which users
 * and in what order, with scope applied the same way, and the chosen columns decide what each
 * line says. Rows are read a batch at a time, never all at once.
 */

/**
 * Up to this many users the file is written straight into the response: that is under a second
 * of work, cut into batches with the event loop free between them, and the administrator gets
 * the file at once instead of a progress page. Larger exports run as a job. Ticked selections
 * are capped at the same number (MAX_TICKED), so they always come back at once.
 */
export const STREAM_LIMIT = MAX_TICKED;

/** Users read per batch: large enough that a batch's queries cost little, small enough to keep turns short. */
export const BATCH = 1_000;

/**
 * The ticked users as a plan the list's reader understands. resolveSelection applies the scope
 * and refuses the whole export (OutOfScopeError) when any id is not the administrator's to see.
 */
export function tickedPlan(db: Db, actor: Actor, ids: number[]): ListPlan {
  const matches = db.transaction((tx) => {
    resolveSelection(tx, actor, { ids });
    return allRows<{ id: number }>(tx, sql`select id from bulk_ids`).map((r) => r.id);
  });
  const where = and(visibleTo(actor, u), sql`u.id in (select value from json_each(${JSON.stringify(matches)}))`)!;
  return { where, matches, count: { value: matches.length, exact: true }, orders: new Map() };
}

/** One piece of the file: its text, and how many users it holds (none for the header). */
export interface CsvChunk {
  text: string;
  rows: number;
}

/** A stretch of the list's order: after a row (none: from the start), and at most so many users. */
export interface ExportRange {
  after?: Cursor;
  limit?: number;
}

/**
 * The file in pieces: the header (when the range starts at the top), then the plan's users in
 * the list's sort order, BATCH at a time. Each batch starts after the sort values of the one
 * before (keyset), as the list's Next link does, so the millionth row costs what the first did.
 */
export function* csvChunks(
  db: Queryable,
  plan: ListPlan,
  query: ListQuery,
  columns: readonly ColumnKey[],
  range: ExportRange = {},
): Generator<CsvChunk> {
  if (!range.after) yield { text: csvHeader(columns), rows: 0 };
  let cursor = range.after;
  let left = range.limit ?? Infinity;
  for (let page = 1; left > 0; page++) {
    const batch = pageOfIds(db, plan, { ...query, size: Math.min(BATCH, left), page, cursor });
    const rows = loadRows(db, batch.ids, columns);
    if (rows.length > 0) yield { text: csvLines(rows, columns), rows: rows.length };
    left -= rows.length;
    if (!batch.hasMore || !batch.lastKey) return;
    cursor = { direction: 'after', key: batch.lastKey };
  }
}

/** The sort key of the plan's nth user (from 1), where a second part of the file can start; none past the end. */
export function keyOfNth(db: Queryable, plan: ListPlan, query: ListQuery, nth: number): Cursor | undefined {
  const key = pageOfIds(db, plan, { ...query, size: 1, page: nth, cursor: undefined }).lastKey;
  return key && { direction: 'after', key };
}

/**
 * Data leaving Roster is worth a record: who exported how many users, which of them (ticked,
 * or the filters and search), and which columns.
 */
export function recordExport(
  db: Queryable,
  actor: Actor,
  exported: { count: number; query: ListQuery; ticked: boolean; columns: readonly ColumnKey[] },
  requestId: string,
): void {
  const filter = listQueryParams(exported.query, { page: 1, cursor: undefined, size: DEFAULT_PAGE_SIZE }).toString();
  const which = exported.ticked ? 'ticked' : filter ? `matching ${filter}` : 'the whole list';
  const labels = exported.columns.map((key) => COLUMN_BY_KEY.get(key)!.label).join(', ');
  const count = usersCount(exported.count);
  recordAudit(db, {
    action: 'users.export',
    actor: auditActor(actor),
    detail: `${count} to CSV (${which}); columns: ${labels}`,
    requestId,
  });
}
