import type { Db } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { UntilChanged } from '../db/change-stamp.js';
import { adminPreferences } from '../db/schema.js';
import { type ColumnKey, DEFAULT_COLUMNS, isColumnKey } from './columns.js';
import {
  filterZone,
  type ListPlace,
  type ListPlan,
  type ListRow,
  loadRows,
  type MatchCount,
  pageOfIds,
  planList,
} from './list-repository.js';
import { type Cursor, isFiltered, type ListQuery } from './list-query.js';
import type { Actor } from '../access/actor.js';

export interface UserListPage {
  rows: ListRow[];
  count: MatchCount;
  /** 1-based number of the page shown; approximate for the last page of an estimated count. */
  pageNumber: number;
  previous?: Partial<ListQuery>;
  next?: Partial<ListQuery>;
  last?: Partial<ListQuery>;
  /** Whether the administrator may see any user at all, for the empty state. */
  directoryEmpty: boolean;
  /** A page number beyond the last page was asked for (an old bookmark, a hand-edited URL). */
  pastEnd: boolean;
  /** The last page of an estimated count: its rows are the last ones, its number approximate. */
  lastOfEstimate: boolean;
}

/**
 * Finding which users match (and how many) is the costly part of a list page, and it does not
 * change as people sort and page through the same filters: plans are kept per filter set until
 * the data changes. A plan depends on the data alone (no filter reads the clock), so one in use
 * is kept as long as nothing changes, and one left alone for ten seconds is let go, so that
 * memory goes back to idle. (A fixed lifetime made a busy search pay 100–300 ms to plan again
 * every ten seconds, while the requests behind it waited.)
 */
const plans = new UntilChanged<ListPlan>(200, 10_000, 'idle');

/** Which users a list query matches, for the actor: the plan the list page reads, kept as above. */
export function cachedPlan(db: Db, actor: Actor, query: ListQuery, place: ListPlace = 'live'): ListPlan {
  // The zone decides which instants a date filter's days cover.
  const zone = filterZone(db, actor);
  const key = JSON.stringify([
    place,
    actor.id,
    actor.scope,
    [...actor.permissions],
    zone,
    query.filters,
    query.adhoc,
    query.q,
  ]);
  return plans.get(db, key, () => planList(db, actor, query, undefined, place));
}

/** How many users match a list query, without reading a page: for summaries such as the overview. */
export function countUsers(db: Db, actor: Actor, query: ListQuery): MatchCount {
  return cachedPlan(db, actor, query).count;
}

export function listUsers(
  db: Db,
  actor: Actor,
  asked: ListQuery,
  columns: readonly ColumnKey[],
  place: ListPlace = 'live',
): UserListPage {
  const plan = cachedPlan(db, actor, asked, place);
  const { count } = plan;
  // With an exact count the last page is simply page N, read like any other; only an estimated
  // count needs it read backwards from the end.
  const query: ListQuery =
    asked.page === 'last' && count.exact
      ? { ...asked, page: Math.max(1, Math.ceil(count.value / asked.size)), cursor: undefined }
      : asked;
  const page = pageOfIds(db, plan, query);
  const rows = loadRows(db, page.ids, columns);

  const pageNumber = query.page === 'last' ? Math.max(1, Math.ceil(count.value / query.size)) : query.page;
  const readBackward = query.page === 'last' || query.cursor?.direction === 'before';
  const atStart = pageNumber === 1 || (readBackward && !page.hasMore);
  const atEnd = query.page === 'last' || (!readBackward && !page.hasMore) || rows.length === 0;
  const cursor = (direction: Cursor['direction'], key: Cursor['key'] | undefined) =>
    key ? { direction, key } : undefined;

  const directoryEmpty = rows.length === 0 && !isFiltered(query) && count.value === 0;
  return {
    rows,
    count,
    pageNumber,
    directoryEmpty,
    pastEnd: rows.length === 0 && count.value > 0 && pageNumber > 1,
    lastOfEstimate: query.page === 'last',
    previous: atStart ? undefined : { page: Math.max(1, pageNumber - 1), cursor: cursor('before', page.firstKey) },
    next: atEnd ? undefined : { page: pageNumber + 1, cursor: cursor('after', page.lastKey) },
    last: atEnd ? undefined : { page: 'last', cursor: undefined },
  };
}

/** The administrator's chosen columns, in their order; the default when none were chosen. */
export function chosenColumns(db: Db, adminId: number): ColumnKey[] {
  const saved = (
    prepared(db, 'select list_columns from admin_preferences where user_id = ?').get(adminId) as
      { list_columns: string | null } | undefined
  )?.list_columns;
  const valid = (saved ? (JSON.parse(saved) as string[]) : []).filter(isColumnKey);
  return valid.length > 0 ? valid : [...DEFAULT_COLUMNS];
}

export function saveColumns(db: Db, adminId: number, columns: readonly ColumnKey[] | null): void {
  db.insert(adminPreferences)
    .values({ userId: adminId, listColumns: columns as string[] | null })
    .onConflictDoUpdate({ target: adminPreferences.userId, set: { listColumns: columns as string[] | null } })
    .run();
}

export const DENSITIES = ['comfortable', 'compact'] as const;
export type Density = (typeof DENSITIES)[number];
export const isDensity = (value: unknown): value is Density => DENSITIES.includes(value as Density);

/** How tightly the administrator likes the list set; comfortable until they choose. */
export function chosenDensity(db: Db, adminId: number): Density {
  const saved = (
    prepared(db, 'select density from admin_preferences where user_id = ?').get(adminId) as
      { density: string | null } | undefined
  )?.density;
  return isDensity(saved) ? saved : 'comfortable';
}

export function saveDensity(db: Db, adminId: number, density: Density): void {
  db.insert(adminPreferences)
    .values({ userId: adminId, density })
    .onConflictDoUpdate({ target: adminPreferences.userId, set: { density } })
    .run();
}
