import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, oneRow, run } from '../db/statements.js';
import { displayNameSql } from '../users/derived-fields.js';
import { IN_BULK } from './selection.js';

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

const REFUSALS_SHOWN = 20;

/** Selected users no rule refuses, as a condition over `u` (after markRefused). */
export const NOT_REFUSED = sql`u.id not in (select id from bulk_refused)`;

/**
 * Checks the rules once for every selected user (bulk_ids), keeping the refused ones and their
 * first reason in the temporary table bulk_refused; returns the first few by name, and how many.
 */
export function markRefused(db: Queryable, rules: Rule[]): { refused: Refusal[]; refusedTotal: number } {
  run(db, sql`create temp table if not exists bulk_refused (id integer primary key, reason text not null)`);
  run(db, sql`delete from bulk_refused`);
  if (rules.length === 0) return { refused: [], refusedTotal: 0 };
  const reason = sql`case ${sql.join(
    rules.map((r) => sql`when ${r.when} then ${r.reason}`),
    sql` `,
  )} end`;
  const refusedTotal = run(
    db,
    sql`insert into bulk_refused select id, reason from (select u.id, ${reason} as reason from users u where ${IN_BULK})
        where reason is not null`,
  ).changes;
  const refused = allRows<Refusal>(
    db,
    sql`select u.id, ${displayNameSql('u')} as name, r.reason from bulk_refused r join users u on u.id = r.id
        order by u.name_sort, u.id limit ${REFUSALS_SHOWN}`,
  );
  return { refused, refusedTotal };
}

/** How many selected users no rule refuses (after markRefused), of those meeting `also` when given. */
export function allowedCount(db: Queryable, also: SQL = sql`1`): number {
  return oneRow<{ n: number }>(
    db,
    sql`select count(*) as n from users u where ${IN_BULK} and ${NOT_REFUSED} and ${also}`,
  )!.n;
}
