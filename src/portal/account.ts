import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../audit/record.js';
import { hashPassword, type PasswordPolicy, passwordProblem, verifyPassword } from '../auth/passwords.js';
import type { Db, Queryable } from '../db/connection.js';
import { type User, users } from '../db/schema.js';

/** A user who has not been moved to the trash; the portal guard re-reads it on every request. */
export function findAccount(db: Db, id: number): User | undefined {
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .get();
}

export type PasswordChangeReason = 'expired' | 'required';

/** Why the user must choose a new password before anything else, or null when they need not. */
export function passwordChangeReason(user: User, now = new Date()): PasswordChangeReason | null {
  if (user.passwordExpiresAt !== null && user.passwordExpiresAt <= now) return 'expired';
  if (user.mustChangePassword) return 'required';
  return null;
}

export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
  newPasswordConfirmation: string;
}

export type PasswordChangeErrors = Partial<Record<keyof PasswordChangeInput, string>>;

export function readPasswordChangeInput(body: Record<string, unknown> | undefined): PasswordChangeInput {
  const text = (name: keyof PasswordChangeInput) => {
    const value = body?.[name];
    return typeof value === 'string' ? value : '';
  };
  return {
    currentPassword: text('currentPassword'),
    newPassword: text('newPassword'),
    newPasswordConfirmation: text('newPasswordConfirmation'),
  };
}

/**
 * Every problem at once, each for its own field. The current password is checked even when
 * the new one is refused, so a person learns about both in one round.
 */
export async function validatePasswordChange(
  user: User,
  input: PasswordChangeInput,
  policy: PasswordPolicy,
): Promise<PasswordChangeErrors> {
  const errors: PasswordChangeErrors = {};
  let currentMatches = false;
  if (input.currentPassword === '') {
    errors.currentPassword = 'Enter your current password.';
  } else {
    currentMatches = user.passwordHash !== null && (await verifyPassword(user.passwordHash, input.currentPassword));
    if (!currentMatches) errors.currentPassword = 'The current password is not correct.';
  }

  const problem = passwordProblem(input.newPassword, policy, user.username);
  if (input.newPassword === '') errors.newPassword = 'Choose a new password.';
  else if (problem) errors.newPassword = problem;
  else if (currentMatches && input.newPassword === input.currentPassword) {
    errors.newPassword = 'Choose a password different from your current one.';
  }

  if (input.newPasswordConfirmation === '') errors.newPasswordConfirmation = 'Repeat the new password.';
  else if (input.newPasswordConfirmation !== input.newPassword) {
    errors.newPasswordConfirmation = 'The two new passwords do not match.';
  }
  return errors;
}

/**
 * Stores the new password and lifts any must-change flag or expiry. The audit entry is written
 * in the same transaction, so the change and its record stand or fall together.
 */
export async function changePassword(
  db: Db,
  user: User,
  newPassword: string,
  options: { requestId?: string; now?: Date } = {},
): Promise<void> {
  const now = options.now ?? new Date();
  const passwordHash = await hashPassword(newPassword);
  db.transaction((tx) => storeOwnPassword(tx, user, passwordHash, { ...options, now, how: 'in the account portal' }));
}

/**
 * Stores a password the user chose themselves: it is current, not to be changed again, and the
 * change is audited as theirs. Call it inside the transaction that makes the change.
 */
export function storeOwnPassword(
  tx: Queryable,
  user: Pick<User, 'id' | 'username'>,
  passwordHash: string,
  options: { now: Date; how: string; requestId?: string },
): void {
  tx.update(users)
    .set({ passwordHash, passwordChangedAt: options.now, mustChangePassword: false, passwordExpiresAt: null })
    .where(eq(users.id, user.id))
    .run();
  const self = { id: user.id, name: user.username };
  recordAudit(
    tx,
    { action: 'account.password', actor: self, target: self, detail: options.how, requestId: options.requestId },
    options.now,
  );
}
