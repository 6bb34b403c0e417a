import { and, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../db/connection.js';
import { allRows, oneRow, prepared } from '../db/statements.js';
import { type User, users } from '../db/schema.js';
import type { ColumnKey } from './columns.js';
import { displayNameText } from '../users/derived-fields.js';
import type { Cursor, ListQuery } from './list-query.js';
import { filterField, QUICK_FILTERS } from './filter-fields.js';
import { datesFor } from '../preferences/time-zone.js';
import { trashedVisibleTo, visibleTo } from '../access/scope.js';
import { arrayReader } from '../db/user-rows.js';
import { normalize } from '../text.js';
import {
  type Membership,
  MEMBERSHIP_LISTS,
  MEMBERSHIPS,
  SINGLE_REFERENCES,
  type SingleReference,
} from '../reference/reference-tables.js';
import { type NamedList, referenceLists } from '../reference/reference-lists.js';
import { longestLiteral, termPattern } from '../users/search-text.js';
import type { Actor } from '../access/actor.js';

/** Every list query names the users table `u`; the scope condition is written against the same alias. */
const u = alias(users, 'u');

/**
 * Which users a list reads: the live ones (the users list) or those in the trash (the Trash
 * page). Search, sort, paging and selection are the same for both; only the base condition and
 * the partial indexes, which hold live users alone, differ.
 */
export type ListPlace = 'live' | 'trash';
const PLACE_BASE = { live: visibleTo, trash: trashedVisibleTo } as const;
const PLACE_DELETED = { live: sql.raw('is null'), trash: sql.raw('is not null') } as const;

/** A user in the trash was last changed when they were deleted: there, that order is the deletion's. */
const sortKeys = (sort: ColumnKey, place: ListPlace = 'live'): SQL[] =>
  place === 'trash' && sort === 'updated' ? [sql`u.deleted_at`] : SORT_KEYS[sort];

/**
 * The sort order of each column, as index-friendly expressions (the id is always appended, so
 * ties break the same way every time). Keyset paging compares rows on exactly these values.
 */
const SORT_KEYS: Record<ColumnKey, SQL[]> = {
  name: [sql`u.name_sort`],
  lastName: [sql`u.name_sort`],
  firstName: [sql`u.first_name collate nocase`, sql`u.last_name collate nocase`],
  username: [sql`lower(u.username)`],
  email: [sql`lower(u.email)`],
  signature: [sql`u.signature collate nocase`],
  phone: [sql`u.phone`],
  extension: [sql`u.extension`],
  groups: [sql`u.groups_sort`],
  teams: [sql`u.teams_sort`],
  territory: [sql`u.territory_sort`],
  companies: [sql`u.companies_sort`],
  userType: [sql`u.user_type_sort`],
  role: [sql`u.role_sort`],
  supervisor: [sql`u.supervisor_sort`],
  licence: [sql`u.licence_type`],
  addons: [sql`u.addons_sort`],
  databases: [sql`u.databases_sort`],
  status: [sql`u.status`],
  kind: [sql`u.kind`],
  twoStep: [sql`u.two_step_enabled`],
  lastSignin: [sql`coalesce(u.last_signin_at, 0)`],
  created: [sql`u.created_at`],
  updated: [sql`u.updated_at`],
  notes: [sql`u.notes collate nocase`],
};

/**
 * The index that holds each sort order. When many users match, the page is read by walking it:
 * SQLite is told so, because its estimate of a filter's selectivity can lead it to collect
 * hundreds of thousands of rows and sort them instead.
 */
const SORT_INDEX: Partial<Record<ColumnKey, string>> = {
  name: 'users_name_sort',
  lastName: 'users_name_sort',
  firstName: 'users_first_name',
  username: 'users_username_nocase',
  email: 'users_email_nocase',
  groups: 'users_groups_sort',
  companies: 'users_companies_sort',
  teams: 'users_teams_sort',
  addons: 'users_addons_sort',
  databases: 'users_databases_sort',
  territory: 'users_territory_sort',
  role: 'users_role_sort',
  userType: 'users_user_type_sort',
  supervisor: 'users_supervisor_sort',
  lastSignin: 'users_last_signin',
  created: 'users_created',
  updated: 'users_updated',
};

export interface SearchTerms {
  /**
   * GLOB patterns, all of which must match: each one the user's search_doc, or the name of their
   * territory or of one of their groups, teams or companies (see termCondition).
   */
  patterns: string[];
  /** Names after `supervisor:`; each narrows to the users of matching supervisors. */
  supervisors: string[];
}

/** Splits the search box into terms; `supervisor:NAME` (or `supervisor:"A NAME"`) is special. */
export function parseSearch(q: string): SearchTerms {
  const terms: SearchTerms = { patterns: [], supervisors: [] };
  for (const match of q.matchAll(/(supervisor:)?(?:"([^"]*)"|(\S+))/gi)) {
    const text = (match[2] ?? match[3] ?? '').trim();
    if (text === '') continue;
    if (match[1]) terms.supervisors.push(text);
    else if (normalize(text.replace(/[*%]/g, '')) !== '') terms.patterns.push(termPattern(text));
  }
  return terms;
}

/**
 * Reference lists whose names a search term also matches. The names are kept out of the search
 * document, where moving 100,000 users to another territory (or renaming a group) would rewrite
 * as many documents in the trigram index. These tables are small, so a term is tried against
 * each name as a one-value document, "|name|" (fold equals normalize, which built the document),
 * and users match through the references whose name matches.
 */
const SEARCHED_REFERENCES = {
  territories: { table: SINGLE_REFERENCES.territory.table, membership: undefined },
  groups: MEMBERSHIP_LISTS.groups,
  teams: MEMBERSHIP_LISTS.teams,
  companies: MEMBERSHIP_LISTS.companies,
} as const;

type SearchedReference = keyof typeof SEARCHED_REFERENCES;
const SEARCHED = Object.keys(SEARCHED_REFERENCES) as SearchedReference[];

/** The ids of the territories, groups, teams and companies whose name matches one pattern. */
export type ReferenceMatches = Record<SearchedReference, number[]>;

const namesMatching = (table: string, pattern: string) =>
  sql`select r.id from ${sql.raw(table)} r where '|' || fold(r.name) || '|' glob ${pattern}`;

/** Looks up which reference names match a pattern: a few small tables, read once per plan. */
export function referenceMatches(db: Queryable, pattern: string): ReferenceMatches {
  const parts = SEARCHED.map(
    (list) => sql`select ${list} as list, id from (${namesMatching(SEARCHED_REFERENCES[list].table, pattern)})`,
  );
  const matches: ReferenceMatches = { territories: [], groups: [], teams: [], companies: [] };
  for (const row of allRows<{ list: SearchedReference; id: number }>(db, sql.join(parts, sql` union all `))) {
    matches[row.list].push(row.id);
  }
  return matches;
}

const matchesAny = (matches: ReferenceMatches) => SEARCHED.some((list) => matches[list].length > 0);

/**
 * One search term: the user's own document matches, or a territory, group, team or company of
 * theirs does. With the matching references looked up already (`matches`), the condition names
 * them — and is just the document test when there are none; without, it finds them in SQL.
 */
function termCondition(pattern: string, matches?: ReferenceMatches): SQL {
  const own = sql`u.search_doc glob ${pattern}`;
  if (matches && !matchesAny(matches)) return own;
  const tests = [own];
  for (const list of SEARCHED) {
    const { table, membership } = SEARCHED_REFERENCES[list];
    if (matches && matches[list].length === 0) continue;
    const ids = matches
      ? sql`select value from json_each(${JSON.stringify(matches[list])})`
      : namesMatching(table, pattern);
    tests.push(
      membership
        ? sql`exists (select 1 from ${sql.raw(membership)} m where m.user_id = u.id and m.ref_id in (${ids}))`
        : sql`u.territory_id in (${ids})`,
    );
  }
  return sql`(${sql.join(tests, sql` or `)})`;
}

/**
 * Everything that narrows the list, in SQL: scope first, then quick filters, the ad hoc filter
 * and the search terms. Pure: nothing is read here; dates in filters are days in `zone`, the
 * administrator's (see filterZone). `references` holds the reference names each
 * search pattern matches, when the caller has looked them up (see referenceMatches).
 */
export function listConditions(
  actor: Actor,
  query: ListQuery,
  zone: string,
  references?: ReadonlyMap<string, ReferenceMatches>,
  place: ListPlace = 'live',
): SQL[] {
  const conditions: SQL[] = [PLACE_BASE[place](actor, u)];
  const picked = query.filters as Record<string, number | string | undefined>;
  for (const quick of QUICK_FILTERS) {
    const value = picked[quick.key];
    if (value !== undefined) conditions.push(quick.field.sql.picked!(value));
  }
  if (query.adhoc) {
    const { field, op, value } = query.adhoc;
    conditions.push(filterField(field)!.sql.where(op, value, zone));
  }

  const search = parseSearch(query.q);
  for (const name of search.supervisors) {
    // Every user carries their supervisor's normalised name ("first last" as it shows): a prefix
    // is a range on its index. A last name first ("Hamilton", "Hamilton Marg") is a range on the
    // supervisors' own "last first" sort name instead; either order finds them.
    const prefix = normalize(name);
    const end = prefix + '\u{10ffff}';
    // Both are ranges; as a list of ids, each one walks its own index.
    conditions.push(sql`u.id in (
      select r.id from users r where r.supervisor_sort >= ${prefix} and r.supervisor_sort < ${end} and r.deleted_at ${PLACE_DELETED[place]}
      union
      select r.id from users r where r.supervisor_id in (select s.id from users s indexed by users_name_sort
        where s.name_sort >= ${prefix} and s.name_sort < ${end} and s.deleted_at is null))`);
  }
  for (const pattern of search.patterns) conditions.push(termCondition(pattern, references?.get(pattern)));
  return conditions;
}

/**
 * Up to this many matches are fetched whole: counted exactly, sorted once per sort order, and
 * paged from that list. Past it, rows match densely enough that walking a sort index is quick.
 */
export const EXACT_COUNT_LIMIT = 100_000;

/**
 * Which users match, decided before sorting. A sample first tells whether many match: then rows
 * qualify often enough that walking the sort index fills a page at once, and the count is the
 * estimate. Otherwise every matching id is fetched (`matches`, at most EXACT_COUNT_LIMIT): the
 * page sorts just those, and the count is exact. A search term of three or more letters is
 * looked up in the trigram index first, so a rare term never costs a scan.
 */
export interface ListPlan {
  where: SQL;
  /** Live users unless said otherwise; the sort indexes cover live users alone. */
  place?: ListPlace;
  matches?: number[];
  count: MatchCount;
  /** The matches sorted by each order asked for so far (ascending; read backwards for descending). */
  orders?: Map<ColumnKey, number[]>;
}

/**
 * Where to start reading the matches of a search: from the trigram index for a pattern of three
 * or more letters, so a rare term never costs a scan. When the pattern also matches reference
 * names, the members of those references join the trigram hits.
 */
function searchStart(patterns: string[], references: ReadonlyMap<string, ReferenceMatches>, place: ListPlace): SQL {
  const indexed = patterns.filter((p) => longestLiteral(p.replace(/\[(.)\]/g, '$1')) >= 3);
  const pattern = indexed[0];
  if (pattern === undefined) return sql`users u where`;
  const matches = references.get(pattern)!;
  // CROSS JOIN keeps the order: candidates first, each user then read by id.
  if (!matchesAny(matches)) {
    return sql`users_fts f cross join users u on u.id = f.rowid where f.search_doc glob ${pattern} and`;
  }
  const candidates = [sql`select f.rowid as id from users_fts f where f.search_doc glob ${pattern}`];
  for (const list of SEARCHED) {
    if (matches[list].length === 0) continue;
    const ids = sql`select value from json_each(${JSON.stringify(matches[list])})`;
    const membership = SEARCHED_REFERENCES[list].membership;
    // The users list leaves out the trash (see visibleTo), which lets the territory's partial index serve.
    candidates.push(
      membership
        ? sql`select m.user_id from ${sql.raw(membership)} m where m.ref_id in (${ids})`
        : sql`select r.id from users r where r.territory_id in (${ids}) and r.deleted_at ${PLACE_DELETED[place]}`,
    );
  }
  return sql`(${sql.join(candidates, sql` union `)}) c cross join users u on u.id = c.id where`;
}

/**
 * The zone an administrator's date filters are read in: their own, so "on 27 Nov" means their
 * day on the page, in a bulk action and in an export alike.
 */
export const filterZone = (db: Queryable, actor: Actor): string => datesFor(db, actor.id).zone;

export function planList(
  db: Queryable,
  actor: Actor,
  query: ListQuery,
  limit = EXACT_COUNT_LIMIT,
  place: ListPlace = 'live',
): ListPlan {
  const patterns = parseSearch(query.q).patterns;
  const references = new Map(patterns.map((p) => [p, referenceMatches(db, p)]));
  const where = and(...listConditions(actor, query, filterZone(db, actor), references, place))!;
  const estimate = sampleCount(db, where);
  if (estimate !== undefined && estimate > limit * 2) {
    return { where, place, count: { value: roundEstimate(estimate), exact: false } };
  }
  const from = searchStart(patterns, references, place);
  const ids = allRows<{ id: number }>(db, sql`select u.id from ${from} ${where} limit ${limit + 1}`).map((r) => r.id);
  if (ids.length <= limit) {
    return { where, place, matches: ids, count: { value: ids.length, exact: true }, orders: new Map() };
  }
  if (estimate === undefined) {
    // Too few rows to sample well, and so few that counting them all is cheap.
    const value = oneRow<{ n: number }>(db, sql`select count(*) as n from users u where ${where}`)?.n ?? 0;
    return { where, place, count: { value, exact: true } };
  }
  return { where, place, count: { value: roundEstimate(Math.max(estimate, ids.length)), exact: false } };
}

/**
 * What reading a page needs of a list query. The size is any count here: an export reads the
 * same order in batches larger than a page.
 */
export type PageRequest = Omit<ListQuery, 'size'> & { size: number };

export interface PageOfIds {
  ids: number[];
  /** Sort values of the first and last row, for the previous and next cursors. */
  firstKey?: Cursor['key'];
  lastKey?: Cursor['key'];
  /** Whether rows exist beyond this page in the direction it was read. */
  hasMore: boolean;
}

/** The matches in ascending order of a sort column, computed once per plan and order. */
function sortedMatches(db: Queryable, plan: ListPlan & { matches: number[] }, sort: ColumnKey): number[] {
  let order = plan.orders?.get(sort);
  if (!order) {
    const keys = sql.join([...sortKeys(sort, plan.place), sql`u.id`], sql`, `);
    order = allRows<{ id: number }>(
      db,
      sql`select u.id from users u where u.id in (select value from json_each(${JSON.stringify(plan.matches)})) order by ${keys}`,
    ).map((r) => r.id);
    (plan.orders ??= new Map()).set(sort, order);
  }
  return order;
}

/** A page cut from the sorted matches; undefined when the cursor's row is no longer among them. */
function pageFromMatches(
  db: Queryable,
  plan: ListPlan & { matches: number[] },
  query: PageRequest,
): PageOfIds | undefined {
  const order = sortedMatches(db, plan, query.sort);
  const n = order.length;
  const at = (i: number) => order[query.descending ? n - 1 - i : i]!;
  const positionOf = (id: number) => {
    const index = order.indexOf(id);
    return index < 0 ? -1 : query.descending ? n - 1 - index : index;
  };
  let start: number;
  let end: number;
  const backward = query.page === 'last' || query.cursor?.direction === 'before';
  if (query.cursor) {
    const position = positionOf(Number(query.cursor.key.at(-1)));
    if (position < 0) return undefined;
    [start, end] = backward
      ? [Math.max(0, position - query.size), position]
      : [position + 1, position + 1 + query.size];
  } else if (query.page === 'last') {
    [start, end] = [Math.max(0, n - query.size), n];
  } else {
    start = (query.page - 1) * query.size;
    end = start + query.size;
  }
  end = Math.min(end, n);
  const ids = Array.from({ length: Math.max(0, end - start) }, (_, i) => at(start + i));
  return { ids, ...boundaryKeys(db, sortKeys(query.sort, plan.place), ids), hasMore: backward ? start > 0 : end < n };
}

/** The sort values of a page's first and last rows, which its Previous and Next links carry. */
function boundaryKeys(db: Queryable, keys: SQL[], ids: number[]): Pick<PageOfIds, 'firstKey' | 'lastKey'> {
  if (ids.length === 0) return {};
  const selected = sql.join([sql`u.id`, ...keys.map((k, i) => sql`${k} as ${sql.raw(`k${i}`)}`)], sql`, `);
  const rows = allRows<Record<string, string | number>>(
    db,
    sql`select ${selected} from users u where u.id in (${ids[0]!}, ${ids.at(-1)!})`,
  );
  const keyOf = (id: number) => {
    const row = rows.find((r) => r.id === id);
    return row && [...keys.map((_, i) => row[`k${i}`]!), id];
  };
  return { firstKey: keyOf(ids[0]!), lastKey: keyOf(ids.at(-1)!) };
}

/**
 * One page of matching ids in sort order. With a cursor the page starts right after (or ends
 * right before) the cursor's row: keyset paging, as fast on page 2,000 as on page 1. Without
 * one it is read by offset, which is what a typed page number or a bookmark needs.
 */
export function pageOfIds(db: Queryable, plan: ListPlan, query: PageRequest): PageOfIds {
  if (plan.matches) {
    const page = pageFromMatches(db, { ...plan, matches: plan.matches }, query);
    if (page) return page;
  }
  const keys = sortKeys(query.sort, plan.place);
  const reading = query.page === 'last' || query.cursor?.direction === 'before' ? 'backward' : 'forward';
  const descending = query.descending !== (reading === 'backward');
  const dir = sql.raw(descending ? 'desc' : 'asc');
  const order = sql.join([...keys.map((k) => sql`${k} ${dir}`), sql`u.id ${dir}`], sql`, `);
  const conditions = [
    plan.matches ? sql`u.id in (select value from json_each(${JSON.stringify(plan.matches)}))` : plan.where,
  ];
  if (query.cursor && query.cursor.key.length === keys.length + 1) {
    const columns = sql.join([...keys, sql`u.id`], sql`, `);
    const values = sql.join(
      query.cursor.key.map((v) => sql`${v}`),
      sql`, `,
    );
    conditions.push(descending ? sql`(${columns}) < (${values})` : sql`(${columns}) > (${values})`);
    // The same bound on the first key alone: SQLite seeks an expression index (lower(email),
    // coalesce(last_signin_at, 0), …) only for a plain comparison, and otherwise scans it from
    // the start, which made each batch of a large export, and a deep Next page, cost ~0.2 s.
    const first = query.cursor.key[0]!;
    conditions.push(descending ? sql`${keys[0]!} <= ${first}` : sql`${keys[0]!} >= ${first}`);
  }
  const offset = query.cursor || query.page === 'last' ? 0 : (query.page - 1) * query.size;
  const selected = sql.join([sql`u.id`, ...keys.map((k, i) => sql`${k} as ${sql.raw(`k${i}`)}`)], sql`, `);
  const index = SORT_INDEX[query.sort];
  const hint = !plan.matches && index && plan.place !== 'trash' ? sql.raw(` indexed by ${index}`) : sql``;
  const rows = allRows<Record<string, string | number>>(
    db,
    sql`
    select ${selected} from users u${hint} where ${and(...conditions)}
    order by ${order} limit ${query.size + 1} offset ${offset}`,
  );
  const hasMore = rows.length > query.size;
  const page = rows.slice(0, query.size);
  if (reading === 'backward') page.reverse();
  const keyOf = (row: Record<string, string | number>) => [...keys.map((_, i) => row[`k${i}`]!), row.id!];
  return {
    ids: page.map((r) => Number(r.id)),
    firstKey: page[0] && keyOf(page[0]),
    lastKey: page.at(-1) && keyOf(page.at(-1)!),
    hasMore,
  };
}

export interface MatchCount {
  value: number;
  exact: boolean;
}

const SAMPLE_WINDOWS = 8;
const SAMPLE_WINDOW_SIZE = 2_500;

/**
 * Estimates how many users match by counting them in a few evenly spread ranges of ids, which
 * costs the same whatever the filters. Undefined when the table is small enough to count.
 */
export function sampleCount(db: Queryable, where: SQL): number | undefined {
  // Two queries: SQLite answers min() and max() from the ends of the key only one at a time.
  const low = oneRow<{ v: number | null }>(db, sql`select min(id) as v from users`)?.v ?? 0;
  const high = oneRow<{ v: number | null }>(db, sql`select max(id) as v from users`)?.v ?? 0;
  const span = high - low + 1;
  if (span <= SAMPLE_WINDOWS * SAMPLE_WINDOW_SIZE * 2) return undefined;
  const step = Math.floor(span / SAMPLE_WINDOWS);
  let found = 0;
  for (let i = 0; i < SAMPLE_WINDOWS; i++) {
    const start = low + i * step;
    found +=
      oneRow<{ n: number }>(
        db,
        // NOT INDEXED: a range of row ids is the cheapest way in; a partial index would scan whole.
        sql`select count(*) as n from users u not indexed where u.id between ${start} and ${start + SAMPLE_WINDOW_SIZE - 1} and ${where}`,
      )?.n ?? 0;
  }
  return Math.round((found * span) / (SAMPLE_WINDOWS * SAMPLE_WINDOW_SIZE));
}

/** Two significant figures: an estimate should not pretend to more precision than it has. */
export function roundEstimate(n: number): number {
  if (n < 100) return n;
  const magnitude = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / magnitude) * magnitude;
}

/**
 * The users columns each list column needs. A page reads only those: turning values into
 * JavaScript is most of what reading a page costs, and the default columns need half of them.
 */
const FIELDS_OF: Record<ColumnKey, readonly string[]> = {
  name: ['first_name', 'last_name', 'full_name', 'username'],
  username: ['username'],
  email: ['email'],
  firstName: ['first_name'],
  lastName: ['last_name'],
  signature: ['signature'],
  phone: ['phone'],
  extension: ['extension'],
  groups: [],
  teams: [],
  territory: [],
  companies: [],
  userType: [],
  role: [],
  supervisor: ['supervisor_id'],
  licence: ['licence_type'],
  addons: [],
  databases: [],
  status: ['status', 'blocked', 'locked_until'],
  kind: ['kind'],
  twoStep: ['two_step_enabled'],
  lastSignin: ['last_signin_at'],
  created: ['created_at'],
  updated: ['updated_at'],
  notes: ['notes'],
};

/** The user fields list cells read; a row holds those its page's columns need. */
export type ListUser = Pick<
  User,
  | 'id'
  | 'username'
  | 'firstName'
  | 'lastName'
  | 'fullName'
  | 'signature'
  | 'email'
  | 'phone'
  | 'extension'
  | 'supervisorId'
  | 'licenceType'
  | 'status'
  | 'blocked'
  | 'lockedUntil'
  | 'twoStepEnabled'
  | 'kind'
  | 'notes'
  | 'lastSigninAt'
  | 'createdAt'
  | 'updatedAt'
>;

/** A row of the list, with the names it shows rather than ids. */
export interface ListRow {
  id: number;
  user: ListUser;
  territory: string | null;
  role: string | null;
  userType: string | null;
  supervisor: string | null;
  supervisorId: number | null;
  groups: string[];
  teams: string[];
  companies: string[];
  addons: string[];
  databases: string[];
}

/** A many-valued list's ids for the user in hand, as group_concat gives them: "3,7", or null. */
const MEMBERSHIP_IDS = Object.fromEntries(
  MEMBERSHIPS.map((key) => [
    key,
    `(select group_concat(ref_id) from ${MEMBERSHIP_LISTS[key].membership} where user_id = u.id)`,
  ]),
) as Record<Membership, string>;

const SINGLES = Object.keys(SINGLE_REFERENCES) as SingleReference[];

/** The names of a membership list's ids, in the list's name order. */
function namesOf(list: NamedList, ids: string | null): string[] {
  if (!ids) return [];
  const entries = ids.split(',').flatMap((id) => list.byId.get(Number(id)) ?? []);
  return entries.sort((a, b) => a.rank - b.rank).map((e) => e.name);
}

/**
 * Loads the rows of one page, in the page's order, reading only what its columns show. It is
 * one statement returning one JSON text: better-sqlite3 turns a row's values into JavaScript one
 * by one, which cost more than the query itself, while SQLite's JSON and JSON.parse do the same
 * work natively. Reference names come from the cached lists, not from joins.
 */
export function loadRows(db: Queryable, ids: number[], columns: readonly ColumnKey[]): ListRow[] {
  if (ids.length === 0) return [];
  // The name always: a row's actions are labelled with it, whatever columns are shown.
  // Status and email too: on a phone each row is a card of name, status and email.
  const card = [...FIELDS_OF.name, ...FIELDS_OF.status, ...FIELDS_OF.email];
  const fields = [...new Set(['id', ...card, ...columns.flatMap((key) => FIELDS_OF[key])])];
  const singles = SINGLES.filter((key) => columns.includes(key));
  const lists = MEMBERSHIPS.filter((key) => columns.includes(key));
  const supervisor = columns.includes('supervisor');
  const selected = [
    ...fields.map((f) => `u.${f}`),
    ...singles.map((key) => `u.${SINGLE_REFERENCES[key].column}`),
    ...lists.map((key) => MEMBERSHIP_IDS[key]),
    ...(supervisor ? [`(select ${displayNameText('s')} from users s where s.id = u.supervisor_id)`] : []),
  ];
  const text = prepared(
    db,
    `select json_group_array(json_array(${selected.join(', ')})) from json_each(?) j join users u on u.id = j.value`,
  )
    .pluck()
    .get(JSON.stringify(ids)) as string;
  const references = referenceLists(db);
  const toListUser = arrayReader<keyof ListUser>(fields);
  const byId = new Map<number, ListRow>();
  for (const values of JSON.parse(text) as unknown[][]) {
    const user = toListUser(values);
    const row: ListRow = {
      id: user.id,
      user,
      territory: null,
      role: null,
      userType: null,
      supervisor: null,
      supervisorId: user.supervisorId ?? null,
      groups: [],
      teams: [],
      companies: [],
      addons: [],
      databases: [],
    };
    let at = fields.length;
    for (const key of singles)
      row[key] = references[SINGLE_REFERENCES[key].list].byId.get(values[at++] as number)?.name ?? null;
    for (const key of lists) row[key] = namesOf(references[key], values[at++] as string | null);
    if (supervisor) row.supervisor = (values[at] as string | null) ?? null;
    byId.set(row.id, row);
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}
