import type { Config } from '../config.js';
import type { Db, Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { recordAudit } from '../audit/record.js';
import { clearFailures, countFailure, isPaused, type ThrottlePolicy } from '../auth/signin-throttle.js';
import { displayName } from '../users/derived-fields.js';
import { sixDigits, spendEmailCode, spendRecoveryCode, spendTotpStep } from './codes.js';
import { matchTotp } from './totp.js';

/**
 * Wrong codes are throttled like wrong passwords (signin-throttle.ts), under an audience of their
 * own shared by the console and the portal, since it is one second step. A six-digit code is far
 * easier to guess than a password, so the pause comes sooner: after at most 5 wrong codes from an
 * address, or 10 from all addresses, within the lockout window.
 */
export function codeThrottle(
  config: Pick<Config, 'lockoutThreshold' | 'lockoutAccountLimit' | 'lockoutWindowMinutes'>,
): ThrottlePolicy {
  return {
    perAddress: Math.min(config.lockoutThreshold, 5),
    perAccount: Math.min(config.lockoutAccountLimit, 10),
    windowMs: config.lockoutWindowMinutes * 60_000,
  };
}

/** What the code is checked against: the app's secret, or the code last mailed. */
export type Expected = { method: 'totp'; secret: string } | { method: 'email' };

export interface Attempt {
  user: Pick<User, 'id' | 'username' | 'fullName' | 'firstName' | 'lastName'>;
  address: string;
  requestId?: string;
  now: Date;
  /** At sign-in a recovery code stands in for the code; while enrolling it does not. */
  recoveryAllowed: boolean;
}

export type CodeOutcome = { ok: true; used: 'totp' | 'email' | 'recovery' } | { ok: false; paused: boolean };

/**
 * Checks a code typed at the second step and spends it: an emailed code or a recovery code works
 * once, an authenticator code once per time step. A wrong one is counted and audited; while the
 * account is paused from this address, nothing is checked at all.
 */
export function checkCode(
  db: Db,
  policy: ThrottlePolicy,
  attempt: Attempt,
  expected: Expected,
  input: string,
): CodeOutcome {
  const { user, now } = attempt;
  const key = { userId: user.id, audience: 'two-step' as const, address: attempt.address };
  if (isPaused(db, policy, key, now)) return { ok: false, paused: true };

  const used = db.transaction(
    (tx) => {
      const spent = spend(tx, attempt, expected, input);
      // As with passwords, a success forgets the failures from its address.
      if (spent) clearFailures(tx, key);
      return spent;
    },
    { behavior: 'immediate' },
  );
  if (used) return { ok: true, used };

  const self = { id: user.id, name: displayName(user) };
  countFailure(db, policy, key, now, 'wrong or spent code', (tx, detail) =>
    recordAudit(
      tx,
      { action: 'two_step.failed', actor: self, target: self, detail, requestId: attempt.requestId },
      now,
    ),
  );
  return { ok: false, paused: isPaused(db, policy, key, now) };
}

function spend(
  tx: Queryable,
  attempt: Attempt,
  expected: Expected,
  input: string,
): 'totp' | 'email' | 'recovery' | undefined {
  const { user, now } = attempt;
  const code = sixDigits(input);
  if (code !== undefined) {
    if (expected.method === 'email') return spendEmailCode(tx, user.id, code, now) ? 'email' : undefined;
    const match = matchTotp(expected.secret, code, now);
    return match && spendTotpStep(tx, user.id, match.step, match.keepUntil, now) ? 'totp' : undefined;
  }
  if (attempt.recoveryAllowed && spendRecoveryCode(tx, user.id, input, now)) return 'recovery';
  return undefined;
}
