import { sql } from 'drizzle-orm';
import { recordAudits } from '../audit/record.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import type { Db } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { preparedFor, run } from '../db/statements.js';
import { displayName } from '../users/derived-fields.js';
import { type BulkOutcome, changedUsers, IN_CHANGED, markChanged } from './changed-set.js';
import type { Rule } from './refusals.js';
import { resolveSelection, type Selection } from './selection.js';
import type { Progress } from './update.js';

/**
 * Bulk password reset (B5) with temporary passwords: each user gets a new random password that
 * they must change at their next sign-in, and the administrator gets the list once. Hashing is
 * deliberately slow (argon2id), so it happens before the transaction, with progress shown; the
 * transaction then writes all the hashes or none.
 */

type Actor = Pick<User, 'id' | 'adminRole' | 'fullName' | 'firstName' | 'lastName' | 'username'>;

/** Each temporary password costs a slow hash and a line to hand over: more is not a reset but a migration. */
export const MAX_TEMPORARY_PASSWORDS = 1_000;

export interface TemporaryPassword {
  id: number;
  username: string;
  name: string;
  email: string;
  password: string;
}

export function resetRules(actor: Actor): Rule[] {
  return [{ when: sql`u.id = ${actor.id}`, reason: 'Change your own password from your account instead.' }];
}

export const EVERYONE = sql`1`;

export async function applyReset(
  db: Db,
  actor: Actor,
  selection: Selection,
  requestId: string,
  progress: Progress,
  now = new Date(),
): Promise<BulkOutcome & { passwords: TemporaryPassword[] }> {
  // Who is meant, read first to know how many passwords to make; decided again in the transaction.
  const planned = db.transaction((tx) => {
    resolveSelection(tx, actor, selection);
    return markChanged(tx, resetRules(actor), EVERYONE).changed;
  });
  if (planned > MAX_TEMPORARY_PASSWORDS) {
    throw new RangeError(`at most ${MAX_TEMPORARY_PASSWORDS} temporary passwords at a time`);
  }
  const made: { password: string; hash: string }[] = [];
  for (let i = 0; i < planned; i++) {
    progress('Making temporary passwords', i, planned);
    const password = generatePassword();
    made.push({ password, hash: await hashPassword(password) });
  }
  const at = now.getTime();
  return db.transaction(
    (tx) => {
      const selected = resolveSelection(tx, actor, selection).length;
      const { refused, refusedTotal, changed } = markChanged(tx, resetRules(actor), EVERYONE);
      // Anyone who joined the selection since the passwords were made waits for the next reset.
      const rows = changedUsers(tx, sql`, u.username, u.email`).slice(0, made.length) as unknown as Omit<
        TemporaryPassword,
        'password'
      >[];
      if (changed > rows.length) run(tx, sql`delete from bulk_changed where id > ${rows.at(-1)?.id ?? 0}`);
      const write = preparedFor(
        tx,
        sql`update users set password_hash = ${''}, must_change_password = 1, password_expires_at = null,
              password_changed_at = ${0}, updated_at = ${0}, updated_by = ${0}, version = version + 1 where id = ${0}`,
      );
      const passwords = rows.map((row, i) => {
        write.run(made[i]!.hash, at, at, actor.id, row.id);
        return { id: row.id, username: row.username, name: row.name, email: row.email, password: made[i]!.password };
      });
      // Signed out everywhere, and any set-password link sent earlier stops working.
      run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
      run(tx, sql`delete from password_tokens where user_id in ${IN_CHANGED} and used_at is null`);
      const actorRef = { id: actor.id, name: displayName(actor) };
      recordAudits(
        tx,
        passwords.map((p) => ({
          action: 'user.password' as const,
          actor: actorRef,
          target: { id: p.id, name: p.name },
          changes: { passwordState: [null, 'must change'] },
          detail: 'Temporary password made in a bulk reset; sessions ended',
          requestId,
        })),
        now,
      );
      return {
        selected,
        changed: passwords.length,
        unchanged: selected - changed - refusedTotal,
        refused,
        refusedTotal,
        passwords,
      };
    },
    { behavior: 'immediate' },
  );
}
