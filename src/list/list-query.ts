import { COLUMN_BY_KEY, type ColumnKey, isColumnKey } from './columns.js';
import { type QueryParams as Params, single } from '../query-params.js';

/**
 * One list query drives the page, its htmx fragment, the CSV export and bulk actions, so
 * they always agree on which users are meant. These pure functions turn a URL's query string
 * into that object and back; nothing here touches the database.
 */

export const PAGE_SIZES = [25, 50, 100, 250] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
export const DEFAULT_PAGE_SIZE: PageSize = 50;

export const OPERATORS = {
  eq: 'equals',
  contains: 'contains',
  starts: 'starts with',
  empty: 'is empty',
  before: 'before',
  after: 'after',
} as const;
export type Operator = keyof typeof OPERATORS;

/** Which operators make sense for which kind of field. */
export function operatorsFor(key: ColumnKey): Operator[] {
  switch (COLUMN_BY_KEY.get(key)?.kind) {
    case 'date':
      return ['before', 'after', 'empty'];
    case 'choice':
      return ['eq'];
    default:
      return ['eq', 'contains', 'starts', 'empty'];
  }
}

export interface AdhocFilter {
  field: ColumnKey;
  op: Operator;
  value: string;
}

/** Quick filters: each is one value of a reference list or a fixed choice. */
export interface QuickFilters {
  group?: number;
  territory?: number;
  company?: number;
  userType?: number;
  role?: number;
  supervisor?: number;
  status?: 'active' | 'inactive';
  licence?: 'full' | 'viewer' | 'none';
}

export const QUICK_FILTER_PARAMS = {
  group: 'group',
  territory: 'territory',
  company: 'company',
  userType: 'type',
  role: 'role',
  supervisor: 'supervisor',
  status: 'status',
  licence: 'licence',
} as const satisfies Record<keyof QuickFilters, string>;

/** Where in the sorted list a page starts: after or before the row with these sort values. */
export interface Cursor {
  direction: 'after' | 'before';
  key: (string | number)[];
}

/**
 * An ad hoc filter the URL asks for but that cannot be applied (an operator that does not fit
 * the field, a date that is not one, no value): kept as typed, with the reason, so the page
 * says so and acting on "all matching" is refused, instead of the filter quietly falling away
 * and a bulk action reaching every user.
 */
export interface InvalidFilter {
  field: string;
  op: string;
  value: string;
  problem: string;
}

/** What the page and refusals say about such a filter. */
export const invalidFilterWords = (invalid: InvalidFilter) =>
  `The filter on any field cannot be used: ${invalid.problem} No filter is applied.`;

export interface ListQuery {
  filters: QuickFilters;
  adhoc?: AdhocFilter;
  invalidFilter?: InvalidFilter;
  /** The search box as typed. */
  q: string;
  sort: ColumnKey;
  descending: boolean;
  size: PageSize;
  /** 1-based; 'last' asks for the final page. */
  page: number | 'last';
  cursor?: Cursor;
  /** Absent: the users view. */
  view?: Exclude<ListView, 'users'>;
}

export const DEFAULT_SORT: ColumnKey = 'name';

/** What the list shows of the users it finds: the chosen columns, or their licences (L8). */
export const LIST_VIEWS = ['users', 'licences'] as const;
export type ListView = (typeof LIST_VIEWS)[number];

function positiveId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}

function oneOf<T extends string>(text: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === text);
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor.key)).toString('base64url');
}

function decodeCursor(text: string | undefined, direction: Cursor['direction']): Cursor | undefined {
  if (text === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    const valid =
      Array.isArray(key) &&
      key.length >= 2 &&
      key.length <= 4 &&
      key.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)));
    return valid ? { direction, key: key as Cursor['key'] } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a list query from URL parameters. Anything unknown or malformed is ignored rather than
 * refused: a hand-edited or outdated bookmark still opens a sensible list.
 */
export function parseListQuery(params: Params): ListQuery {
  const filters: QuickFilters = {};
  for (const key of ['group', 'territory', 'company', 'userType', 'role', 'supervisor'] as const) {
    const id = positiveId(single(params, QUICK_FILTER_PARAMS[key]));
    if (id !== undefined) filters[key] = id;
  }
  const status = oneOf(single(params, 'status'), ['active', 'inactive'] as const);
  if (status) filters.status = status;
  const licence = oneOf(single(params, 'licence'), ['full', 'viewer', 'none'] as const);
  if (licence) filters.licence = licence;

  const sortParam = single(params, 'sort') ?? '';
  const sortKey = sortParam.replace(/^-/, '');
  const knownSort = isColumnKey(sortKey);

  const sizeNumber = Number(single(params, 'size'));
  const size = PAGE_SIZES.find((s) => s === sizeNumber) ?? DEFAULT_PAGE_SIZE;

  const pageText = single(params, 'page');
  const pageNumber = positiveId(pageText);
  const page = pageText === 'last' ? 'last' : (pageNumber ?? 1);
  // A cursor only means something together with the page it leads to.
  const cursor =
    page === 'last' || page === 1
      ? undefined
      : (decodeCursor(single(params, 'after'), 'after') ?? decodeCursor(single(params, 'before'), 'before'));

  const adhoc = parseAdhoc(params);
  const view = oneOf(single(params, 'view'), ['licences'] as const);
  return {
    ...(view && { view }),
    filters,
    ...adhoc,
    q: (single(params, 'q') ?? '').slice(0, 200),
    sort: knownSort ? sortKey : DEFAULT_SORT,
    descending: knownSort && sortParam.startsWith('-'),
    size,
    page,
    cursor,
  };
}

function parseAdhoc(params: Params): { adhoc?: AdhocFilter; invalidFilter?: InvalidFilter } {
  const field = single(params, 'field') ?? '';
  const op = single(params, 'op') ?? '';
  const value = (single(params, 'value') ?? '').slice(0, 200);
  // No field chosen: the form was sent without an ad hoc filter, which is no filter at all.
  if (field === '') return {};
  const invalid = (problem: string) => ({ invalidFilter: { field, op, value, problem } });
  if (!isColumnKey(field)) return invalid('Choose a field from the list.');
  const label = COLUMN_BY_KEY.get(field)!.label;
  const operators = operatorsFor(field);
  const operator = operators.find((o) => o === op);
  if (operator === undefined) {
    const fitting = operators.map((o) => `“${OPERATORS[o]}”`).join(', ');
    const asked = Object.hasOwn(OPERATORS, op) ? OPERATORS[op as Operator] : op;
    return invalid(`${label} cannot be filtered with “${asked}”: choose ${fitting}.`);
  }
  if (operator !== 'empty' && value.trim() === '') return invalid(`Enter a value for ${label}.`);
  if ((operator === 'before' || operator === 'after') && Number.isNaN(Date.parse(value))) {
    return invalid(`Enter a date for ${label}, such as 2026-01-31.`);
  }
  return { adhoc: { field, op: operator, value: operator === 'empty' ? '' : value } };
}

/** Whether anything narrows the list (filters, ad hoc filter or search). */
/** A list query from its URL's query string, as the bulk bar and the export forms carry it. */
export function listQueryFromString(text: string): ListQuery {
  return parseListQuery(Object.fromEntries(new URLSearchParams(text)));
}

export function isFiltered(query: ListQuery): boolean {
  return Object.keys(query.filters).length > 0 || query.adhoc !== undefined || query.q !== '';
}

/**
 * Writes a list query back as URL parameters, leaving defaults out so URLs stay short.
 * `change` overrides parts of the query, e.g. a new sort or page.
 */
export function listQueryParams(query: ListQuery, change: Partial<ListQuery> = {}): URLSearchParams {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  if (next.q) params.set('q', next.q);
  for (const [key, param] of Object.entries(QUICK_FILTER_PARAMS)) {
    const value = next.filters[key as keyof QuickFilters];
    if (value !== undefined) params.set(param, String(value));
  }
  if (next.adhoc) {
    params.set('field', next.adhoc.field);
    params.set('op', next.adhoc.op);
    if (next.adhoc.op !== 'empty') params.set('value', next.adhoc.value);
  }
  if (next.sort !== DEFAULT_SORT || next.descending) params.set('sort', (next.descending ? '-' : '') + next.sort);
  if (next.size !== DEFAULT_PAGE_SIZE) params.set('size', String(next.size));
  if (next.page !== 1) params.set('page', String(next.page));
  if (next.cursor && next.page !== 1 && next.page !== 'last')
    params.set(next.cursor.direction, encodeCursor(next.cursor));
  if (next.view) params.set('view', next.view);
  return params;
}

export function listUrl(query: ListQuery, change: Partial<ListQuery> = {}): string {
  const params = listQueryParams(query, change).toString();
  return params ? `/users?${params}` : '/users';
}
