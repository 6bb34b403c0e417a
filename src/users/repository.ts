import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { visibleTo } from '../access/scope.js';
import type { Actor } from '../access/actor.js';

/** A user the actor may administer, or undefined: outside the scope a user does not exist. */
export function findVisibleUser(db: Queryable, actor: Actor, id: number): User | undefined {
  return db
    .select()
    .from(users)
    .where(and(visibleTo(actor), eq(users.id, id)))
    .get();
}

/** Looks an account up by username or email, ignoring case; trashed accounts are not found. */
export function findAccountByLogin(db: Queryable, login: string): User | undefined {
  const key = login.trim().toLowerCase();
  return db
    .select()
    .from(users)
    .where(
      and(
        sql`${users.deletedAt} is null`,
        sql`(lower(${users.username}) = ${key} or (${users.email} <> '' and lower(${users.email}) = ${key}))`,
      ),
    )
    .get();
}
