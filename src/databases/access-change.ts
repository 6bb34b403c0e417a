import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { users } from '../db/schema.js';
import type { Actor } from '../access/actor.js';
import { visibleTo } from '../access/scope.js';
import { auditActor, recordAudit } from '../audit/record.js';
import { displayName, PARTS_OF_FIELD, refreshDerivedFields } from '../users/derived-fields.js';
import { diff, snapshot } from '../user/user-writes.js';

/** Giving a user access to a database, or taking it away. */
export type AccessChange = 'give' | 'take';

/** The user left the actor's reach, or the database left the list, since the page was shown. */
export class GoneError extends Error {}

/** What the audit log and the page say a change did, in words. */
export const accessWords = (change: AccessChange, database: string) =>
  change === 'give' ? `Gave access to ${database}` : `Took away access to ${database}`;

/**
 * Gives or takes away one user's access to one database, in one transaction: the membership,
 * the user's version (so an open edit form notices), the derived sort key the list sorts
 * "Databases" by, and an audit entry. Asking for what is already so writes nothing and returns
 * false: a double click, or two administrators clicking the same cell, is harmless.
 */
export function changeDatabaseAccess(
  db: Db,
  actor: Actor,
  userId: number,
  databaseId: number,
  change: AccessChange,
  requestId: string,
): boolean {
  return db.transaction(
    (tx) => {
      const user = tx
        .select()
        .from(users)
        .where(and(visibleTo(actor), eq(users.id, userId)))
        .get();
      const database = tx.get<{ name: string }>(sql`select name from databases where id = ${databaseId}`);
      if (!user || !database) throw new GoneError();
      const held = tx.get(sql`select 1 from user_databases where user_id = ${userId} and ref_id = ${databaseId}`);
      if ((change === 'give') === Boolean(held)) return false;

      const before = snapshot(tx, userId)!;
      const now = new Date();
      if (change === 'give')
        tx.run(sql`insert into user_databases (user_id, ref_id) values (${userId}, ${databaseId})`);
      else tx.run(sql`delete from user_databases where user_id = ${userId} and ref_id = ${databaseId}`);
      tx.update(users)
        .set({ updatedAt: now, updatedBy: actor.id, version: sql`${users.version} + 1` })
        .where(eq(users.id, userId))
        .run();
      refreshDerivedFields(tx, [userId], PARTS_OF_FIELD.databases);
      recordAudit(
        tx,
        {
          action: 'user.database',
          actor: auditActor(actor),
          target: { id: userId, name: displayName(user) },
          changes: diff(before, snapshot(tx, userId)!),
          detail: accessWords(change, database.name),
          requestId,
        },
        now,
      );
      return true;
    },
    { behavior: 'immediate' },
  );
}
