import { and, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { allRows, oneRow, run } from '../db/statements.js';
import { listConditions } from '../users/list-repository.js';
import { type ListQuery, parseListQuery } from '../users/list-query.js';
import { visibleTo } from '../users/scope.js';
import { users } from '../db/schema.js';
import { alias } from 'drizzle-orm/sqlite-core';
import { JobRefusedError } from '../jobs/refused.js';

/**
 * Which users a bulk action is for: the ones ticked (ids), or every user matching the list's
 * filters and search (the list's query string, as the page had it). Either way the set is
 * worked out again, with the acting administrator's scope, inside the action's transaction:
 * the page may be minutes old.
 */
export type Selection = { ids: number[] } | { query: string };

/** More ticked boxes than this are refused: "all matching" covers large sets without a long form. */
export const MAX_TICKED = 10_000;

type Actor = Pick<User, 'adminRole'>;
/** The users table as every bulk statement names it. */
export const u = alias(users, 'u');

/** Reads the selection a form carries: `id` fields, or `all` with the list's `query`. */
export function readSelection(body: Record<string, unknown> | undefined): Selection | { error: string } {
  const b = body ?? {};
  if (b.all === '1' || b.all === 'on') return { query: typeof b.query === 'string' ? b.query.slice(0, 2000) : '' };
  const raw = [b.id ?? []].flat().map(String);
  const ids = [...new Set(raw.filter((text) => /^\d{1,15}$/.test(text)).map(Number))].filter((id) => id > 0);
  if (ids.length === 0) return { error: 'Select at least one user first.' };
  if (ids.length > MAX_TICKED) {
    return {
      error: `At most ${MAX_TICKED.toLocaleString('en')} users can be ticked; use “Select all matching” instead.`,
    };
  }
  return { ids };
}

export function selectionQuery(selection: Selection): ListQuery | undefined {
  return 'query' in selection ? parseListQuery(Object.fromEntries(new URLSearchParams(selection.query))) : undefined;
}

/** The selection as a condition over the users table aliased `u`, scope included. */
export function selectionCondition(actor: Actor, selection: Selection): SQL {
  if ('query' in selection) return and(...listConditions(actor, selectionQuery(selection)!))!;
  return and(visibleTo(actor, u), sql`u.id in (select value from json_each(${JSON.stringify(selection.ids)}))`)!;
}

/** The users resolveSelection put in the temporary table, as a condition over `u`. */
export const IN_BULK = sql`u.id in (select id from bulk_ids)`;

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
 * The selected users' ids, in the temporary table bulk_ids, for the action's statements to join.
 * Ticked ids outside the scope refuse the whole action: a hand-made post is never half applied.
 */
export function resolveSelection(tx: Queryable, actor: Actor, selection: Selection): number[] {
  run(tx, sql`create temp table if not exists bulk_ids (id integer primary key)`);
  run(tx, sql`delete from bulk_ids`);
  run(tx, sql`insert into bulk_ids select u.id from users u where ${selectionCondition(actor, selection)}`);
  const ids = allRows<{ id: number }>(tx, sql`select id from bulk_ids order by id`).map((r) => r.id);
  if ('ids' in selection && ids.length < selection.ids.length)
    throw new OutOfScopeError(selection.ids.length - ids.length);
  return ids;
}

/** How many users the selection covers now, for the confirmation page. */
export function countSelection(db: Queryable, actor: Actor, selection: Selection): number {
  return oneRow<{ n: number }>(
    db,
    sql`select count(*) as n from users u where ${selectionCondition(actor, selection)}`,
  )!.n;
}

/** The hidden fields that carry a selection from one form to the next. */
export function selectionFields(selection: Selection): [string, string][] {
  if ('query' in selection)
    return [
      ['all', '1'],
      ['query', selection.query],
    ];
  return selection.ids.map((id) => ['id', String(id)]);
}
