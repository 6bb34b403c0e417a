import { sql } from 'drizzle-orm';
import type { Progress } from '../jobs/run-job.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import type { Db } from '../db/connection.js';
import { prepared, run } from '../db/statements.js';
import { JobRefusedError } from '../jobs/refused.js';
import {
  type Actor,
  type BulkOutcome,
  type BulkWork,
  changedUsers,
  EVERYONE,
  IN_CHANGED,
  runBulk,
} from './changed-set.js';
import { allowedCount, markRefused, type Rule } from './refusals.js';
import { resolveSelection, type Selection } from './selection.js';

/**
 * Bulk password reset (B5) with temporary passwords: each user gets a new random password that
 * they must change at their next sign-in, and the administrator gets the list once. Hashing is
 * deliberately slow (argon2id), so it happens before the transaction, with progress shown; the
 * transaction then writes all the hashes or none.
 */

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

export async function applyReset(
  db: Db,
  actor: Actor,
  selection: Selection,
  requestId: string,
  progress: Progress,
  now = new Date(),
): Promise<BulkOutcome & { passwords: TemporaryPassword[] }> {
  const rules = resetRules(actor);
  // Who is meant, read first to know how many passwords to make; decided again in the transaction.
  const planned = db.transaction((tx) => {
    resolveSelection(tx, actor, selection);
    markRefused(tx, rules);
    return allowedCount(tx);
  });
  if (planned > MAX_TEMPORARY_PASSWORDS) {
    throw new JobRefusedError(
      `Temporary passwords are made for at most ${MAX_TEMPORARY_PASSWORDS.toLocaleString('en')} users at a time, and ${planned.toLocaleString('en')} were selected.`,
    );
  }
  const made: { password: string; hash: string }[] = [];
  for (let i = 0; i < planned; i++) {
    progress(`Making temporary passwords: ${i.toLocaleString('en')} of ${planned.toLocaleString('en')}`, i, planned);
    const password = generatePassword();
    made.push({ password, hash: await hashPassword(password) });
  }
  const at = now.getTime();
  const passwords: TemporaryPassword[] = [];
  const work: BulkWork = {
    select: (tx) => resolveSelection(tx, actor, selection),
    rules,
    changes: EVERYONE,
    write: (tx) => {
      const rows = changedUsers(tx, sql`, u.username, u.email`) as unknown as Omit<TemporaryPassword, 'password'>[];
      // Anyone who joined the selection since the passwords were made waits for the next reset.
      if (rows.length > made.length)
        run(tx, sql`delete from bulk_changed where id > ${rows[made.length - 1]?.id ?? 0}`);
      const write = prepared(
        tx,
        `update users set password_hash = ?, must_change_password = 1, password_expires_at = null,
           password_changed_at = ?, updated_at = ?, updated_by = ?, version = version + 1 where id = ?`,
      );
      for (const [i, row] of rows.slice(0, made.length).entries()) {
        write.run(made[i]!.hash, at, at, actor.id, row.id);
        passwords.push({ ...row, password: made[i]!.password });
      }
      // Signed out everywhere, and any set-password link sent earlier stops working.
      run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
      run(tx, sql`delete from password_tokens where user_id in ${IN_CHANGED} and used_at is null`);
      return new Map(passwords.map((p) => [p.id, { passwordState: [null, 'must change'] }]));
    },
    audit: { action: 'user.password', detail: 'Temporary password made in a bulk reset; sessions ended' },
  };
  return { ...runBulk(db, actor, work, requestId, progress, now), passwords };
}
