import { type SQL, sql } from 'drizzle-orm';
import { zonedDayStart } from '../dates.js';
import { normalize } from '../text.js';
import { displayNameSql } from '../users/derived-fields.js';
import { isDay, type Operator } from './filter-types.js';

/**
 * Where a filterable field lives in the database, as the SQL of its conditions over the users
 * table aliased `u`. Values arrive checked (see checkValue), so each builder trusts their form.
 * A quick filter (one value picked from a list) is an equality on an indexed column or a
 * membership lookup, so SQLite can lead with its index; the conditions of the filter on any
 * field are built from the same places.
 */
export interface FieldSql {
  /** The condition of a filter on this field; dates are read in `zone`. */
  where(op: Operator, value: string, zone: string): SQL;
  /** The condition of one picked value: a reference's id or a stored code. */
  picked?(value: number | string): SQL;
}

/** `LIKE` with the user's text taken literally: % and _ typed in a filter are not wildcards. */
function likePattern(value: string, op: 'contains' | 'starts'): string {
  const escaped = normalize(value).replace(/[\\%_]/g, (c) => `\\${c}`);
  return op === 'starts' ? `${escaped}%` : `%${escaped}%`;
}

/** Compares folded text on both sides (see fold in db/connection.ts), so "öst" finds "Öström". */
function textCondition(expression: SQL, op: Operator, value: string): SQL {
  switch (op) {
    case 'eq':
      return sql`fold(${expression}) = ${normalize(value)}`;
    case 'contains':
    case 'starts':
      return sql`fold(${expression}) like ${likePattern(value, op)} escape '\\'`;
    default:
      return sql`coalesce(${expression}, '') = ''`;
  }
}

export const textColumn = (column: string): FieldSql => ({
  where: (op, value) => textCondition(sql.raw(column), op, value),
});

/** The name as the list shows it ("first last", or the full name when set). */
export const displayName: FieldSql = {
  where: (op, value) => textCondition(displayNameSql('u'), op, value),
};

/** The supervisor: picked by id (their people's link), or filtered on their name. */
export const supervisor: FieldSql = {
  where: (op, value) =>
    op === 'empty'
      ? sql`u.supervisor_id is null`
      : sql`u.supervisor_id in (select s.id from users s where ${textCondition(displayNameSql('s'), op, value)})`,
  picked: (id) => sql`u.supervisor_id = ${id}`,
};

/** A single-valued reference (territory, role, …): picked by id, or filtered on its name. */
export const singleReference = (ref: { column: string; table: string }): FieldSql => ({
  where: (op, value) =>
    op === 'empty'
      ? sql`${sql.raw(`u.${ref.column}`)} is null`
      : sql`${sql.raw(`u.${ref.column}`)} in (select r.id from ${sql.raw(ref.table)} r where ${textCondition(sql`r.name`, op, value)})`,
  picked: (id) => sql`${sql.raw(`u.${ref.column}`)} = ${id}`,
});

/**
 * A many-valued reference (groups, companies, …). A picked one is a membership test per row
 * (a primary-key lookup), so another filter's index can lead.
 */
export const membershipList = (list: { membership: string; table: string }): FieldSql => {
  const members = sql`select m.user_id from ${sql.raw(list.membership)} m`;
  return {
    where: (op, value) =>
      op === 'empty'
        ? sql`u.id not in (${members})`
        : sql`u.id in (${members} join ${sql.raw(list.table)} r on r.id = m.ref_id where ${textCondition(sql`r.name`, op, value)})`,
    picked: (id) =>
      sql`exists (select 1 from ${sql.raw(list.membership)} m where m.user_id = u.id and m.ref_id = ${id})`,
  };
};

/** A stored code (licence type, status, kind). */
export const choiceColumn = (column: string): FieldSql => ({
  where: (op, value) => (op === 'not' ? sql`${sql.raw(column)} <> ${value}` : sql`${sql.raw(column)} = ${value}`),
  picked: (value) => sql`${sql.raw(column)} = ${value}`,
});

/**
 * Whether a user can sign in now, as sign-in decides (auth/signin.ts canSignIn): active, not
 * blocked, not locked. A lock runs out with the clock, so it is compared with the time the
 * list is read.
 */
const lockedSql = () => sql`coalesce(u.locked_until, 0) > ${Date.now()}`;
const canSignInSql = () => sql`(u.status = 'active' and u.blocked = 0 and not ${lockedSql()})`;

/**
 * The status, and "can sign in", which the status alone does not say: a quick choice beside the
 * stored ones, so the Overview's Active figure leads to a list of exactly its users.
 */
export const CAN_SIGN_IN = 'can-sign-in';
export const statusColumn: FieldSql = {
  where: (op, value) => {
    const is = value === CAN_SIGN_IN ? canSignInSql() : sql`u.status = ${value}`;
    return op === 'not' ? sql`not ${is}` : is;
  },
  picked: (value) => (value === CAN_SIGN_IN ? canSignInSql() : sql`u.status = ${value}`),
};

/** Locked now after failed sign-ins: "is not yes" is not locked now, whatever an old lock said. */
export const lockedNow: FieldSql = {
  where: (op, value) => ((value === 'yes') !== (op === 'not') ? lockedSql() : sql`not ${lockedSql()}`),
};

/** A 0/1 flag; "is not yes" is "no". */
export const yesNoColumn = (column: string): FieldSql => ({
  where: (op, value) => sql`${sql.raw(column)} = ${(value === 'yes') !== (op === 'not') ? 1 : 0}`,
});

const COMPARISONS: Partial<Record<Operator, string>> = { eq: '=', lt: '<', gt: '>', le: '<=', ge: '>=' };

export const numberColumn = (column: string): FieldSql => ({
  where: (op, value) => sql`${sql.raw(column)} ${sql.raw(COMPARISONS[op] ?? '=')} ${Number(value)}`,
});

const DAY_MS = 86_400_000;
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/**
 * The instants a date filter covers, half-open [from, to): a day is the administrator's
 * calendar day, so "on 2026-11-27" in Oslo starts at 23:00 UTC the evening before; "before" a
 * day ends where it starts and "after" it begins with the next, so before, on and after never
 * overlap. An exact moment (from a link the console made) is its own bound.
 */
function dateRange(op: Operator, value: string, zone: string): { from?: number; to?: number } {
  if (!isDay(value)) {
    const at = Date.parse(value);
    return op === 'before' ? { to: at } : { from: at };
  }
  const start = zonedDayStart(value, zone);
  const end = zonedDayStart(nextDay(value), zone);
  if (op === 'before') return { to: start };
  if (op === 'after') return { from: end };
  return { from: start, to: end };
}

/**
 * A date column, compared as ranges so its index serves. `nullable` columns are indexed as
 * coalesce(column, 0) (never signed in sorts first), so that expression is what is compared,
 * with 0 meaning no date.
 */
export const dateColumn = (column: string, nullable = false): FieldSql => {
  const expression = sql.raw(nullable ? `coalesce(${column}, 0)` : column);
  return {
    where(op, value, zone) {
      if (op === 'empty') return nullable ? sql`${expression} = 0` : sql`${sql.raw(column)} is null`;
      const { from, to } = dateRange(op, value, zone);
      const lowest = nullable ? Math.max(from ?? 1, 1) : from;
      const bounds = [
        lowest === undefined ? undefined : sql`${expression} >= ${lowest}`,
        to === undefined ? undefined : sql`${expression} < ${to}`,
      ].filter((b): b is SQL => b !== undefined);
      return sql`(${sql.join(bounds, sql` and `)})`;
    },
  };
};
