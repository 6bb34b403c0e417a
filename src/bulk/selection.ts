import { and, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { run } from '../db/statements.js';
import { filterZone, listConditions } from '../list/list-repository.js';
import { invalidFilterWords, listQueryFromString, type ListQuery } from '../list/list-query.js';
import { visibleTo } from '../access/scope.js';
import { users } from '../db/schema.js';
import { alias } from 'drizzle-orm/sqlite-core';
import { JobRefusedError } from '../jobs/refused.js';
import type { Actor } from '../access/actor.js';

/**
 * Which users a bulk action is for: the ones ticked (ids), or every user matching the list's
 * filters and search (the list's query string, as the page had it). Either way the set is
 * worked out again, with the acting administrator's scope, inside the action's transaction:
 * the page may be minutes old. Ticked rows also keep the list they were ticked on (`from`, its
 * query string), so "Back" and "Cancel" return to it with its filters.
 */
export type Selection = { ids: number[]; from?: string } | { query: string };

/** More ticked boxes than this are refused: "all matching" covers large sets without a long form. */
export const MAX_TICKED = 10_000;

/** The users table as every bulk statement names it. */
export const u = alias(users, 'u');

/** The ids of the ticked rows a form posts (`id`, repeated), each once. */
export function tickedIds(body: Record<string, unknown> | undefined): number[] {
  const texts = [body?.id ?? []].flat().map(String);
  return [...new Set(texts.filter((text) => /^\d{1,15}$/.test(text)).map(Number))].filter((id) => id > 0);
}

/** Reads the selection a form carries: `id` fields, or `all` with the list's `query`. */
export function readSelection(body: Record<string, unknown> | undefined): Selection | { error: string } {
  const b = body ?? {};
  if (b.all === '1' || b.all === 'on') {
    const query = typeof b.query === 'string' ? b.query.slice(0, 2000) : '';
    const invalid = listQueryFromString(query).invalidFilter;
    if (invalid) return { error: `${invalidFilterWords(invalid)} Fix the filter or clear it first.` };
    return { query };
  }
  const ids = tickedIds(b);
  if (ids.length === 0) return { error: 'Select at least one user first.' };
  if (ids.length > MAX_TICKED) {
    return {
      error: `At most ${MAX_TICKED.toLocaleString('en')} users can be ticked; use “Select all matching” instead.`,
    };
  }
  return typeof b.query === 'string' && b.query !== '' ? { ids, from: b.query.slice(0, 2000) } : { ids };
}

/** The list a selection came from: its filters and search, for "Back" and "Cancel". */
export function listOfSelection(selection: Selection): ListQuery | undefined {
  if ('query' in selection) return listQueryFromString(selection.query);
  return selection.from === undefined ? undefined : listQueryFromString(selection.from);
}

export function selectionQuery(selection: Selection): ListQuery | undefined {
  return 'query' in selection ? listQueryFromString(selection.query) : undefined;
}

/** The selection as a condition over the users table aliased `u`, scope included. */
export function selectionCondition(tx: Queryable, actor: Actor, selection: Selection): SQL {
  if ('query' in selection) {
    const query = selectionQuery(selection)!;
    // Checked when the selection was read; a filter that cannot be applied never means everyone.
    if (query.invalidFilter) return sql`u.id is null`;
    return and(...listConditions(actor, query, filterZone(tx, actor)))!;
  }
  return and(visibleTo(actor, u), sql`u.id in (select value from json_each(${JSON.stringify(selection.ids)}))`)!;
}

/** The selected ids, and the condition that a user (aliased `u`) is one of them. */
export const BULK_IDS = sql`(select id from bulk_ids)`;
export const IN_BULK = sql`u.id in ${BULK_IDS}`;

/** Ticked users that are not (or no longer) the administrator's to act on. */
export class OutOfScopeError extends JobRefusedError {
  override name = 'OutOfScopeError';
  constructor(readonly missing: number) {
    super(
      `${missing.toLocaleString('en')} of the selected ${missing === 1 ? 'users is' : 'users are'} not yours to change, or no longer in the list.`,
    );
  }
}

/**
 * Puts the users meeting the condition into the temporary table bulk_ids, for the action's
 * statements to join, and returns how many. With `ticked`, fewer found than ticked refuses the
 * whole action: ids outside the scope, posted by hand, are never half applied.
 */
export function fillBulkIds(tx: Queryable, condition: SQL, ticked?: number): number {
  run(tx, sql`create temp table if not exists bulk_ids (id integer primary key)`);
  run(tx, sql`delete from bulk_ids`);
  const found = run(tx, sql`insert into bulk_ids select u.id from users u where ${condition}`).changes;
  if (ticked !== undefined && found < ticked) throw new OutOfScopeError(ticked - found);
  return found;
}

/** The selected users, with scope, into bulk_ids; returns how many. */
export function resolveSelection(tx: Queryable, actor: Actor, selection: Selection): number {
  return fillBulkIds(
    tx,
    selectionCondition(tx, actor, selection),
    'ids' in selection ? selection.ids.length : undefined,
  );
}

/** The hidden fields that carry a selection from one form to the next. */
export function selectionFields(selection: Selection): [string, string][] {
  if ('query' in selection)
    return [
      ['all', '1'],
      ['query', selection.query],
    ];
  const ids: [string, string][] = selection.ids.map((id) => ['id', String(id)]);
  return selection.from ? [...ids, ['query', selection.from]] : ids;
}
