import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { oneRow } from '../db/statements.js';
import { type Actor, actorOf } from '../access/actor.js';
import { lastSuperuser } from '../access/policy.js';

/** Every administrator not in the trash, by name. There are few, so they are read whole. */
export function listAdministrators(db: Queryable): Actor[] {
  return db
    .select()
    .from(users)
    .where(and(isNotNull(users.adminRole), isNull(users.deletedAt)))
    .orderBy(users.nameSort, users.id)
    .all()
    .map((user) => actorOf(db, user)!);
}

/** One administrator with their scope and permissions, or undefined (not one, or in the trash). */
export function findAdministrator(db: Queryable, id: number): Actor | undefined {
  const user = db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNotNull(users.adminRole), isNull(users.deletedAt)))
    .get();
  return user && actorOf(db, user);
}

/** A user not in the trash who is not an administrator yet: someone who may be made one. */
export function findManagedUser(db: Queryable, id: number): User | undefined {
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.adminRole), isNull(users.deletedAt)))
    .get();
}

/**
 * Whether taking superuser rights away from this account would leave Roster without an active
 * superuser. The rule itself belongs to the access policy (it guards deactivating, blocking
 * and deleting too); this asks it about one account.
 */
export function isLastActiveSuperuser(db: Queryable, id: number): boolean {
  return (
    oneRow(db, sql`select 1 from users u where u.id = ${id} and ${lastSuperuser(sql`(${id})`).when}`) !== undefined
  );
}
