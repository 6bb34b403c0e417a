import { eq } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { isAdministrator, isEnabled } from '../access/actor.js';
import { type AuditAction, recordAudit } from '../audit/record.js';
import { displayName } from '../users/derived-fields.js';
import { findAccountByLogin } from '../users/repository.js';
import { spendVerificationTime, verifyPassword } from './passwords.js';
import { clearFailures, countFailure, isPaused, type ThrottlePolicy } from './signin-throttle.js';
import { countActivity } from '../home/activity.js';

export type SigninResult = { ok: true; user: User } | { ok: false };

/** Whether the account may sign in now, password aside. */
export function canSignIn(user: User, now: Date): boolean {
  const locked = user.lockedUntil !== null && user.lockedUntil > now;
  return isEnabled(user) && !locked;
}

export interface SigninOptions {
  /** 'admin' for the console (only administrators), 'account' for the account portal (anyone). */
  audience: 'admin' | 'account';
  /** The client's address: failures are counted per account and address. */
  address: string;
  /** Ties the audit entries of the attempt to its request. */
  requestId?: string;
  now?: Date;
}

const FAILURE_ACTION = { admin: 'admin.signin_failed', account: 'account.signin_failed' } as const;

/** Why a sign-in with a known account failed, for the audit log only; the person sees one message. */
function failureReason(user: User, passwordMatches: boolean, audience: SigninOptions['audience'], now: Date) {
  if (!passwordMatches) return 'wrong password';
  if (audience === 'admin' && !isAdministrator(user)) return 'not an administrator';
  if (!isEnabled(user)) return 'account disabled';
  if (!canSignIn(user, now)) return 'account locked';
  return undefined;
}

/**
 * Checks credentials. Every failure looks the same to the caller — unknown name, wrong password,
 * not an administrator, inactive, blocked, locked or paused after failures — and costs one
 * password verification, so neither the message nor the timing reveals which accounts exist.
 * Failures against an account are counted and audited (see signin-throttle.ts); administrator
 * sign-ins are audited in the same transaction as their effect.
 */
export async function authenticate(
  db: Queryable,
  policy: ThrottlePolicy,
  login: string,
  password: string,
  options: SigninOptions,
): Promise<SigninResult> {
  const now = options.now ?? new Date();
  const user = login.trim() === '' ? undefined : findAccountByLogin(db, login);
  if (!user?.passwordHash) {
    await spendVerificationTime(password);
    return { ok: false };
  }
  const key = { userId: user.id, audience: options.audience, address: options.address };
  if (isPaused(db, policy, key, now)) {
    await spendVerificationTime(password);
    return { ok: false };
  }
  const self = { id: user.id, name: displayName(user) };
  const audit = (tx: Queryable, action: AuditAction, detail = '') =>
    recordAudit(tx, { action, actor: self, target: self, detail, requestId: options.requestId }, now);

  const passwordMatches = await verifyPassword(user.passwordHash, password);
  const reason = failureReason(user, passwordMatches, options.audience, now);
  if (reason) {
    countFailure(db, policy, key, now, reason, (tx, detail) => audit(tx, FAILURE_ACTION[options.audience], detail));
    return { ok: false };
  }
  clearFailures(db, key);
  // With a second step enrolled the password alone signs nobody in: the sign-in is recorded
  // when the code is accepted (two-step/signin-routes.ts).
  if (user.twoStepMethod === null) recordSignin(db, user, options.audience, { requestId: options.requestId, now });
  return { ok: true, user };
}

/**
 * A sign-in that has passed every step: the failed count and any lock are cleared, the time is
 * kept, and an administrator's sign-in is audited (with how the second step was passed).
 */
export function recordSignin(
  db: Queryable,
  user: Pick<User, 'id' | 'username' | 'fullName' | 'firstName' | 'lastName'>,
  audience: SigninOptions['audience'],
  options: { requestId?: string; now: Date; detail?: string },
): void {
  const self = { id: user.id, name: displayName(user) };
  db.transaction((tx) => {
    tx.update(users)
      .set({ failedSigninCount: 0, lockedUntil: null, lastSigninAt: options.now })
      .where(eq(users.id, user.id))
      .run();
    if (audience === 'admin') {
      recordAudit(
        tx,
        {
          action: 'admin.signin',
          actor: self,
          target: self,
          detail: options.detail ?? '',
          requestId: options.requestId,
        },
        options.now,
      );
    }
    countActivity(tx, 'signin', options.now);
  });
}
