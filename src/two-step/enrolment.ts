import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit/record.js';
import type { Db } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { displayName } from '../users/derived-fields.js';
import { forgetCodes, replaceRecoveryCodes } from './codes.js';

export type TwoStepMethod = NonNullable<User['twoStepMethod']>;

export const METHOD_WORDS: Record<TwoStepMethod, string> = {
  totp: 'authenticator app',
  email: 'code by email',
};

type Person = Pick<User, 'id' | 'username' | 'fullName' | 'firstName' | 'lastName'>;
const named = (user: Person) => ({ id: user.id, name: displayName(user) });

/**
 * Makes the confirmed method the account's second step, with ten new recovery codes (returned
 * once: only their hashes are kept). Any earlier method, secret and codes are replaced.
 */
export function enrol(
  db: Db,
  user: Person & Pick<User, 'twoStepMethod'>,
  method: TwoStepMethod,
  totpSecretSealed: Buffer | null,
  options: { requestId?: string; now?: Date } = {},
): string[] {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      tx.update(users).set({ twoStepMethod: method, totpSecretSealed }).where(eq(users.id, user.id)).run();
      const codes = replaceRecoveryCodes(tx, user.id);
      const self = named(user);
      recordAudit(
        tx,
        {
          action: 'two_step.enrol',
          actor: self,
          target: self,
          changes: { twoStepMethod: [user.twoStepMethod, method] },
          requestId: options.requestId,
        },
        now,
      );
      return codes;
    },
    { behavior: 'immediate' },
  );
}

/** Ten new recovery codes for an enrolled account; the old ones stop working. */
export function renewRecoveryCodes(db: Db, user: Person, options: { requestId?: string; now?: Date } = {}): string[] {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const codes = replaceRecoveryCodes(tx, user.id);
      const self = named(user);
      recordAudit(
        tx,
        { action: 'two_step.recovery_codes', actor: self, target: self, requestId: options.requestId },
        now,
      );
      return codes;
    },
    { behavior: 'immediate' },
  );
}

/**
 * Takes the second step away: no method, no secret, no codes. `by` is the account itself
 * (turning it off) or an administrator (resetting it for someone who lost their phone).
 */
export function removeSecondStep(
  db: Db,
  user: Person & Pick<User, 'twoStepMethod'>,
  by: { id: number; name: string },
  options: { requestId?: string; now?: Date } = {},
): void {
  const now = options.now ?? new Date();
  db.transaction(
    (tx) => {
      tx.update(users).set({ twoStepMethod: null, totpSecretSealed: null }).where(eq(users.id, user.id)).run();
      forgetCodes(tx, user.id);
      recordAudit(
        tx,
        {
          action: by.id === user.id ? 'two_step.off' : 'two_step.reset',
          actor: by,
          target: named(user),
          changes: { twoStepMethod: [user.twoStepMethod, null] },
          requestId: options.requestId,
        },
        now,
      );
    },
    { behavior: 'immediate' },
  );
}
