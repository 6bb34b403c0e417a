import { sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { allRows } from '../db/statements.js';
import type { ColumnKey } from '../list/columns.js';
import type { ListRow } from '../list/list-repository.js';
import { type ListQuery, listQueryParams, parseListQuery } from '../list/list-query.js';
import { listUsers, type UserListPage } from '../list/list-service.js';
import type { QueryParams } from '../query-params.js';
import type { Actor } from '../access/actor.js';
import { displayName } from '../users/derived-fields.js';

/**
 * The Trash is the users list over the users in the trash: the same query object, plan, paging
 * and selection (see list/), with the trash's base condition instead of the live one. Only
 * search, sort, page size and paging apply here; filters in a hand-made URL are let go.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** The orders the Trash offers; in the trash, "updated" orders by the deletion (see list-repository). */
export const TRASH_SORTS = [
  { key: 'updated', label: 'Deleted' },
  { key: 'name', label: 'Name' },
  { key: 'username', label: 'Username' },
  { key: 'email', label: 'Email' },
] as const satisfies readonly { key: ColumnKey; label: string }[];

const TRASH_COLUMNS: readonly ColumnKey[] = ['name', 'username', 'email'];

/** Most recently deleted first, until another order is asked for. */
const DEFAULT_ORDER = { sort: 'updated', descending: true } as const;

export function parseTrashQuery(params: QueryParams): ListQuery {
  const query = parseListQuery(params);
  const known = TRASH_SORTS.some((s) => s.key === query.sort) && params.sort !== undefined;
  return { ...query, filters: {}, adhoc: undefined, invalidFilter: undefined, ...(known ? {} : DEFAULT_ORDER) };
}

/** The trash's URL for a query; the sort is always written, as the trash's default differs from the list's. */
export function trashUrl(query: ListQuery, change: Partial<ListQuery> = {}): string {
  const params = listQueryParams(query, change);
  const next = { ...query, ...change };
  params.set('sort', (next.descending ? '-' : '') + next.sort);
  return `/trash?${params.toString()}`;
}

/** The search a selection of "all matching" in the trash stands for: paging and sort do not matter. */
export const trashSelectionQuery = (query: ListQuery) =>
  listQueryParams({ ...query, page: 1, cursor: undefined }).toString();

export interface TrashLine {
  row: ListRow;
  name: string;
  deletedAt: Date;
  deletedBy: string;
  daysLeft: number;
}

export interface TrashListing extends Omit<UserListPage, 'rows'> {
  lines: TrashLine[];
}

export function daysLeft(deletedAt: Date, trashDays: number, now: Date): number {
  return Math.max(0, Math.ceil((deletedAt.getTime() + trashDays * DAY_MS - now.getTime()) / DAY_MS));
}

/** When each user on the page was deleted, and by whom (from the audit log). */
function deletions(db: Queryable, ids: number[]): Map<number, { deletedAt: number; deletedBy: string }> {
  const rows = allRows<{ id: number; deletedAt: number; deletedBy: string }>(
    db,
    sql`select u.id, u.deleted_at as deletedAt,
          coalesce((select a.actor_name from audit_entries a
                    where a.target_user_id = u.id and a.action = 'user.delete'
                    order by a.at desc limit 1), '') as deletedBy
        from users u where u.id in (select value from json_each(${JSON.stringify(ids)}))`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** One page of the trash, for the actor's scope. */
export function listTrash(db: Db, actor: Actor, query: ListQuery, trashDays: number, now = new Date()): TrashListing {
  const { rows, ...page } = listUsers(db, actor, query, TRASH_COLUMNS, 'trash');
  const found = deletions(
    db,
    rows.map((r) => r.id),
  );
  const lines = rows.flatMap((row) => {
    const deletion = found.get(row.id);
    if (!deletion) return [];
    const deletedAt = new Date(deletion.deletedAt);
    return [
      {
        row,
        name: displayName(row.user),
        deletedAt,
        deletedBy: deletion.deletedBy,
        daysLeft: daysLeft(deletedAt, trashDays, now),
      },
    ];
  });
  return { ...page, lines };
}
