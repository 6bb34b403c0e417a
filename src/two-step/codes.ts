import { and, eq, gt, isNull, like, lte, or } from 'drizzle-orm';
import { createHash, randomInt } from 'node:crypto';
import type { Queryable } from '../db/connection.js';
import { recoveryCodes, twoStepCodes } from '../db/schema.js';

/** An emailed code lasts long enough to reach an inbox, and no longer. */
export const EMAIL_CODE_LIFETIME_MS = 10 * 60_000;
/** A new code by email at most this often: a button pressed twice sends one mail. */
export const EMAIL_CODE_RESEND_MS = 30_000;
export const RECOVERY_CODE_COUNT = 10;

const hashed = (userId: number, code: string) => createHash('sha256').update(`${userId}:${code}`).digest('hex');

/** Six digits as typed: spaces and dashes a person adds are ignored. */
export function sixDigits(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/**
 * A new 6-digit code for the user, to be mailed. Earlier unused codes stop working, so only the
 * one last sent can be used and the table holds one live code per user.
 */
export function issueEmailCode(tx: Queryable, userId: number, now: Date): { code: string; expiresAt: Date } {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + EMAIL_CODE_LIFETIME_MS);
  tx.delete(twoStepCodes)
    .where(and(eq(twoStepCodes.userId, userId), or(isNull(twoStepCodes.usedAt), lte(twoStepCodes.expiresAt, now))))
    .run();
  tx.insert(twoStepCodes)
    .values({ userId, codeHash: hashed(userId, code), createdAt: now, expiresAt })
    .run();
  return { code, expiresAt };
}

/** When the user's live emailed code was sent, if there is one. */
export function lastEmailCodeAt(db: Queryable, userId: number, now: Date): Date | undefined {
  return db
    .select({ at: twoStepCodes.createdAt })
    .from(twoStepCodes)
    .where(and(eq(twoStepCodes.userId, userId), isNull(twoStepCodes.usedAt), gt(twoStepCodes.expiresAt, now)))
    .get()?.at;
}

/** Spends the emailed code if it is the live one: true once, then never again. */
export function spendEmailCode(tx: Queryable, userId: number, code: string, now: Date): boolean {
  const spent = tx
    .update(twoStepCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(twoStepCodes.userId, userId),
        eq(twoStepCodes.codeHash, hashed(userId, code)),
        isNull(twoStepCodes.usedAt),
        gt(twoStepCodes.expiresAt, now),
      ),
    )
    .run();
  return spent.changes === 1;
}

/*
 * An authenticator code is good for its time step, but must work only once: the steps already
 * accepted are kept in the same table as spent codes (marked "totp-step:N", already used), for
 * as long as a code of that step could still be accepted. A step at or before one already used
 * is refused, so a code read over a shoulder cannot be replayed.
 */
const STEP_PREFIX = 'totp-step:';

/** Records the step as used; false when it, or a later one, already was. */
export function spendTotpStep(tx: Queryable, userId: number, step: number, keepUntil: Date, now: Date): boolean {
  tx.delete(twoStepCodes)
    .where(and(eq(twoStepCodes.userId, userId), lte(twoStepCodes.expiresAt, now)))
    .run();
  const used = tx
    .select({ codeHash: twoStepCodes.codeHash })
    .from(twoStepCodes)
    .where(and(eq(twoStepCodes.userId, userId), like(twoStepCodes.codeHash, `${STEP_PREFIX}%`)))
    .all()
    .map((row) => Number(row.codeHash.slice(STEP_PREFIX.length)));
  if (used.some((earlier) => earlier >= step)) return false;
  tx.insert(twoStepCodes)
    .values({ userId, codeHash: `${STEP_PREFIX}${step}`, createdAt: now, expiresAt: keepUntil, usedAt: now })
    .run();
  return true;
}

// No look-alike characters (0/o, 1/l/i), so a code copied onto paper is typed back right.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code as it is shown: three groups of four, about 59 bits. */
function newRecoveryCode(): string {
  const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return [0, 4, 8].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** A recovery code as typed: any case, with or without its dashes and spaces. */
function normalRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/** Replaces the user's recovery codes with ten new ones, returned once, stored only hashed. */
export function replaceRecoveryCodes(tx: Queryable, userId: number): string[] {
  tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  tx.insert(recoveryCodes)
    .values(codes.map((code) => ({ userId, codeHash: hashed(userId, normalRecoveryCode(code)) })))
    .run();
  return codes;
}

/** Spends a recovery code: true once, then never again. */
export function spendRecoveryCode(tx: Queryable, userId: number, input: string, now: Date): boolean {
  const code = normalRecoveryCode(input);
  if (!/^[a-z0-9]{12}$/.test(code)) return false;
  const spent = tx
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, hashed(userId, code)),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .run();
  return spent.changes === 1;
}

export function recoveryCodesLeft(db: Queryable, userId: number): number {
  return db
    .select({ id: recoveryCodes.id })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .all().length;
}

/** Forgets every code of the user: their second step is being reset or replaced. */
export function forgetCodes(tx: Queryable, userId: number): void {
  tx.delete(twoStepCodes).where(eq(twoStepCodes.userId, userId)).run();
  tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
}
