import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/connection.js';

/** The id of a database on the reference list, added when missing. */
export function databaseId(db: Db, name: string): number {
  db.run(sql`insert or ignore into databases (name) values (${name})`);
  return db.get<{ id: number }>(sql`select id from databases where name = ${name}`)!.id;
}

/** Gives a user access to databases, with the sort key the list sorts by kept right. */
export function giveAccess(db: Db, userId: number, ...databaseIds: number[]) {
  for (const id of databaseIds) db.run(sql`insert into user_databases (user_id, ref_id) values (${userId}, ${id})`);
}

/** The databases a user may open, by name in name order. */
export const databasesOf = (db: Db, userId: number) =>
  db
    .all<{ name: string }>(
      sql`select d.name from user_databases m join databases d on d.id = m.ref_id where m.user_id = ${userId} order by d.name`,
    )
    .map((r) => r.name);

export const databasesSortOf = (db: Db, userId: number) =>
  db.get<{ s: string }>(sql`select databases_sort as s from users where id = ${userId}`)!.s;
