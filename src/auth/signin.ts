import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { signinFailures, type User, users } from '../db/schema.js';
import { findAccountByLogin } from '../users/repository.js';
import { spendVerificationTime, verifyPassword } from './passwords.js';

export interface LockoutPolicy {
  threshold: number;
  windowMs: number;
}

export type SigninResult = { ok: true; user: User } | { ok: false };

/** Whether the account may be used at all: an open session ends as soon as this turns false. */
export function isEnabled(user: User): boolean {
  return user.status === 'active' && !user.blocked;
}

/** Whether the account may sign in now, password aside. */
export function canSignIn(user: User, now: Date): boolean {
  const locked = user.lockedUntil !== null && user.lockedUntil > now;
  return isEnabled(user) && !locked;
}

/**
 * Checks an administrator's credentials. Every failure looks the same to the caller — unknown
 * name, wrong password, not an administrator, inactive, blocked or locked — and costs one
 * password verification, so neither the message nor the timing reveals which accounts exist.
 */
export async function authenticateAdmin(
  db: Queryable,
  policy: LockoutPolicy,
  login: string,
  password: string,
  now = new Date(),
): Promise<SigninResult> {
  const user = login.trim() === '' ? undefined : findAccountByLogin(db, login);
  if (!user?.passwordHash) {
    await spendVerificationTime(password);
    return { ok: false };
  }
  const passwordMatches = await verifyPassword(user.passwordHash, password);
  if (!passwordMatches) {
    recordFailure(db, policy, user.id, now);
    return { ok: false };
  }
  if (user.adminRole === null || !canSignIn(user, now)) return { ok: false };
  db.transaction((tx) => {
    tx.delete(signinFailures).where(eq(signinFailures.userId, user.id)).run();
    tx.update(users)
      .set({ failedSigninCount: 0, lockedUntil: null, lastSigninAt: now })
      .where(eq(users.id, user.id))
      .run();
  });
  return { ok: true, user };
}

/** Counts a failure (consecutive failures are shown to administrators), and locks the account once the failures in the window reach the threshold. */
export function recordFailure(db: Queryable, policy: LockoutPolicy, userId: number, now: Date): void {
  const windowStart = new Date(now.getTime() - policy.windowMs);
  db.transaction((tx) => {
    tx.delete(signinFailures)
      .where(and(eq(signinFailures.userId, userId), lt(signinFailures.at, windowStart)))
      .run();
    tx.insert(signinFailures).values({ userId, at: now }).run();
    const recent =
      tx
        .select({ n: count() })
        .from(signinFailures)
        .where(and(eq(signinFailures.userId, userId), gte(signinFailures.at, windowStart)))
        .get()?.n ?? 0;
    const lock = recent >= policy.threshold ? { lockedUntil: new Date(now.getTime() + policy.windowMs) } : {};
    tx.update(users)
      .set({ failedSigninCount: sql`${users.failedSigninCount} + 1`, ...lock })
      .where(eq(users.id, userId))
      .run();
  });
}
