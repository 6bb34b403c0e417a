import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, oneRow } from '../db/statements.js';
import { displayNameSql } from '../users/derived-fields.js';

/**
 * The rules that hold for one user hold in bulk: each is a condition over the users table
 * (aliased `u`) that refuses a user, with the reason the page gives. The users the rules leave
 * are acted on; the refused ones are listed, first few by name, with how many in all.
 */
export interface Rule {
  when: SQL;
  reason: string;
}

export interface Refusal {
  id: number;
  name: string;
  reason: string;
}

export const REFUSALS_SHOWN = 20;

const anyRule = (rules: Rule[]) =>
  sql`(${sql.join(
    rules.map((r) => r.when),
    sql` or `,
  )})`;

/** The condition a user meets when no rule refuses them. */
export function allowedBy(rules: Rule[]): SQL {
  return rules.length === 0 ? sql`1` : sql`not ${anyRule(rules)}`;
}

export function refusedUsers(db: Queryable, selected: SQL, rules: Rule[]): Refusal[] {
  if (rules.length === 0) return [];
  const reason = sql`case ${sql.join(
    rules.map((r) => sql`when ${r.when} then ${r.reason}`),
    sql` `,
  )} end`;
  return allRows<Refusal>(
    db,
    sql`select u.id, ${displayNameSql('u')} as name, ${reason} as reason from users u
        where ${selected} and ${anyRule(rules)} order by u.name_sort, u.id limit ${REFUSALS_SHOWN}`,
  );
}

export function refusedCount(db: Queryable, selected: SQL, rules: Rule[]): number {
  if (rules.length === 0) return 0;
  return oneRow<{ n: number }>(db, sql`select count(*) as n from users u where ${selected} and ${anyRule(rules)}`)!.n;
}
