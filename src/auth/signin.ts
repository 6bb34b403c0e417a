import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { signinFailures, type User, users } from '../db/schema.js';
import { isAdministrator, isEnabled } from '../access/actor.js';
import { recordAudit } from '../audit/record.js';
import { displayName } from '../users/derived-fields.js';
import { findAccountByLogin } from '../users/repository.js';
import { spendVerificationTime, verifyPassword } from './passwords.js';

export interface LockoutPolicy {
  threshold: number;
  windowMs: number;
}

export type SigninResult = { ok: true; user: User } | { ok: false };

/** Whether the account may sign in now, password aside. */
export function canSignIn(user: User, now: Date): boolean {
  const locked = user.lockedUntil !== null && user.lockedUntil > now;
  return isEnabled(user) && !locked;
}

export interface SigninOptions {
  /** 'admin' for the console (only administrators), 'account' for the account portal (anyone). */
  audience: 'admin' | 'account';
  /** Ties the audit entry of an administrator sign-in to its request. */
  requestId?: string;
  now?: Date;
}

/**
 * Checks credentials. Every failure looks the same to the caller — unknown name, wrong password,
 * not an administrator, inactive, blocked or locked — and costs one password verification, so
 * neither the message nor the timing reveals which accounts exist. Administrator sign-ins, and
 * failures against administrator accounts, are audited in the same transaction as their effect.
 */
export async function authenticate(
  db: Queryable,
  policy: LockoutPolicy,
  login: string,
  password: string,
  options: SigninOptions,
): Promise<SigninResult> {
  const now = options.now ?? new Date();
  const user = login.trim() === '' ? undefined : findAccountByLogin(db, login);
  const audited = options.audience === 'admin' && user !== undefined && isAdministrator(user);
  const audit = (tx: Queryable, action: 'admin.signin' | 'admin.signin_failed', detail = '') =>
    audited &&
    recordAudit(
      tx,
      {
        action,
        actor: { id: user!.id, name: displayName(user!) },
        target: { id: user!.id, name: displayName(user!) },
        detail,
        requestId: options.requestId,
      },
      now,
    );
  if (!user?.passwordHash) {
    await spendVerificationTime(password);
    return { ok: false };
  }
  const passwordMatches = await verifyPassword(user.passwordHash, password);
  if (!passwordMatches) {
    recordFailure(db, policy, user.id, now, (tx) => audit(tx, 'admin.signin_failed', 'wrong password'));
    return { ok: false };
  }
  const wrongAudience = options.audience === 'admin' && !isAdministrator(user);
  if (wrongAudience || !canSignIn(user, now)) {
    db.transaction((tx) => audit(tx, 'admin.signin_failed', isEnabled(user) ? 'account locked' : 'account disabled'));
    return { ok: false };
  }
  db.transaction((tx) => {
    tx.delete(signinFailures).where(eq(signinFailures.userId, user.id)).run();
    tx.update(users)
      .set({ failedSigninCount: 0, lockedUntil: null, lastSigninAt: now })
      .where(eq(users.id, user.id))
      .run();
    audit(tx, 'admin.signin');
  });
  return { ok: true, user };
}

/** Counts a failure (consecutive failures are shown to administrators), and locks the account once the failures in the window reach the threshold. */
export function recordFailure(
  db: Queryable,
  policy: LockoutPolicy,
  userId: number,
  now: Date,
  alongside: (tx: Queryable) => void = () => {},
): void {
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
    alongside(tx);
  });
}
