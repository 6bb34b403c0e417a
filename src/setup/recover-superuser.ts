import { and, eq, sql } from 'drizzle-orm';
import { endSessionsOf } from '../auth/session-store.js';
import { hashPassword } from '../auth/passwords.js';
import { recordAudit } from '../audit/record.js';
import type { Db } from '../db/connection.js';
import { adminScopes, passwordTokens, signinFailures, type User, users } from '../db/schema.js';
import { displayName } from '../users/derived-fields.js';

export class NoSuchUserError extends Error {
  constructor(username: string) {
    super(`There is no user named "${username}" (users in the trash cannot be recovered this way).`);
  }
}

/** What stood between the account and the console, as it was → as it is now. */
function recoveredChanges(user: User): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = { password: ['(set)', '(reset)'] };
  const wanted: Partial<Record<keyof User, unknown>> = {
    adminRole: 'superuser',
    status: 'active',
    blocked: false,
    lockedUntil: null,
    failedSigninCount: 0,
    mustChangePassword: false,
    passwordExpiresAt: null,
  };
  for (const [field, after] of Object.entries(wanted)) {
    const before = user[field as keyof User];
    const shown = before instanceof Date ? before.toISOString() : before;
    if (shown !== after) changes[field] = [shown, after];
  }
  return changes;
}

/**
 * The way back in when no one can sign in to the console: run from the server's shell, so having
 * the shell is the proof. Gives the named account a new password and makes it an active, unblocked
 * superuser with no pending failures, lock, scope or forced password change; ends its sessions
 * and spends its password links. One transaction, audited with no actor (the system).
 */
export async function recoverSuperuser(db: Db, username: string, password: string, now = new Date()) {
  const passwordHash = await hashPassword(password);
  return db.transaction(
    (tx) => {
      const user = tx
        .select()
        .from(users)
        .where(and(sql`lower(${users.username}) = ${username.trim().toLowerCase()}`, sql`${users.deletedAt} is null`))
        .get();
      if (!user) throw new NoSuchUserError(username);
      const changes = recoveredChanges(user);
      tx.update(users)
        .set({
          passwordHash,
          passwordChangedAt: now,
          mustChangePassword: false,
          passwordExpiresAt: null,
          adminRole: 'superuser',
          adminPermissions: null,
          status: 'active',
          blocked: false,
          lockedUntil: null,
          failedSigninCount: 0,
          updatedAt: now,
          version: sql`${users.version} + 1`,
        })
        .where(eq(users.id, user.id))
        .run();
      tx.delete(adminScopes).where(eq(adminScopes.adminId, user.id)).run();
      tx.delete(signinFailures).where(eq(signinFailures.userId, user.id)).run();
      tx.delete(passwordTokens).where(eq(passwordTokens.userId, user.id)).run();
      const sessionsEnded = endSessionsOf(tx, user.id);
      recordAudit(
        tx,
        {
          action: 'admin.recover',
          actor: null,
          target: { id: user.id, name: displayName(user) },
          changes,
          detail: `create-admin --reset on the server; ${sessionsEnded} session${sessionsEnded === 1 ? '' : 's'} ended`,
        },
        now,
      );
      return { user, sessionsEnded };
    },
    { behavior: 'immediate' },
  );
}
