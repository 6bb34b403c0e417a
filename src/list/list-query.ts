import { type ColumnKey, isColumnKey } from './columns.js';
import { type QueryParams as Params, single } from '../query-params.js';
import {
  filterField,
  type FilterFieldKey,
  QUICK_FILTERS,
  type QuickFilter,
  type QuickFilters,
} from './filter-fields.js';
import {
  checkValue,
  fittingOperator,
  type Operator,
  OPERATOR_WORDS,
  OPERATORS_OF,
  operatorsOfType,
} from './filter-types.js';

/**
 * One list query drives the page, its htmx fragment, the CSV export and bulk actions, so
 * they always agree on which users are meant. These pure functions turn a URL's query string
 * into that object and back; nothing here touches the database.
 */

export const PAGE_SIZES = [25, 50, 100, 250] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
export const DEFAULT_PAGE_SIZE: PageSize = 50;

export type { Operator } from './filter-types.js';
export type { QuickFilters } from './filter-fields.js';

/** The operators a field takes, by its type (see filter-types.ts); none for an unknown field. */
export function operatorsFor(key: string): Operator[] {
  const field = filterField(key);
  return field ? operatorsOfType(field.type) : [];
}

/** A filter on any field: one field, an operator that fits its type, and a checked value. */
export interface AdhocFilter {
  field: FilterFieldKey;
  op: Operator;
  value: string;
}

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

/** What the list shows of the users it finds: the chosen columns, their licences (L8), or their databases (L7). */
export const LIST_VIEWS = ['users', 'licences', 'databases'] as const;
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

/** A quick filter's value from its parameter: an id, or one of the field's choices. */
function quickValue(quick: QuickFilter, text: string | undefined): number | string | undefined {
  if (quick.from !== 'choices') return positiveId(text);
  return oneOf(text, Object.keys(quick.field.choices ?? {}));
}

/**
 * Reads a list query from URL parameters. Anything unknown or malformed is ignored rather than
 * refused: a hand-edited or outdated bookmark still opens a sensible list.
 */
export function parseListQuery(params: Params): ListQuery {
  const filters: Record<string, number | string> = {};
  for (const quick of QUICK_FILTERS) {
    const value = quickValue(quick, single(params, quick.param));
    if (value !== undefined) filters[quick.key] = value;
  }

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
  const view = oneOf(single(params, 'view'), ['licences', 'databases'] as const);
  return {
    ...(view && { view }),
    filters: filters as QuickFilters,
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
  const def = filterField(field);
  if (def === undefined) return invalid('Choose a field from the list.');
  const operator = fittingOperator(def.type, op);
  if (operator === undefined) {
    const fitting = Object.values(OPERATORS_OF[def.type])
      .map((words) => `“${words}”`)
      .join(', ');
    const asked = Object.hasOwn(OPERATOR_WORDS, op) ? OPERATOR_WORDS[op as Operator] : op;
    return invalid(`${def.label} cannot be filtered with “${asked}”: choose ${fitting}.`);
  }
  const checked = checkValue(def, operator, value);
  if ('problem' in checked) return invalid(checked.problem);
  return { adhoc: { field: def.key, op: operator, value: checked.value } };
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
  for (const quick of QUICK_FILTERS) {
    const value = (next.filters as Record<string, number | string | undefined>)[quick.key];
    if (value !== undefined) params.set(quick.param, String(value));
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
