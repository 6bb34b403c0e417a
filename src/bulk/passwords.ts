import { sql } from 'drizzle-orm';
import { displayNameSql } from '../users/derived-fields.js';
import type { Progress } from '../jobs/job.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import type { Db, Queryable } from '../db/connection.js';
import { prepared, run } from '../db/statements.js';
import { JobRefusedError } from '../jobs/refused.js';
import type { Outbox } from '../mail/queue.js';
import { queueSetPasswordMail } from '../mail/set-password-mail.js';
import { readMailSettings } from '../settings/mail-settings.js';
import {
  AUDIT_NOTES,
  type BulkOutcome,
  type BulkWork,
  changedUsers,
  EVERYONE,
  IN_CHANGED,
  runBulk,
} from './changed-set.js';
import { allowedCount, markRefused, type Rule } from './refusals.js';
import { BULK_IDS, resolveSelection, type Selection } from './selection.js';
import type { Actor } from '../access/actor.js';
import { protections } from '../access/policy.js';

/**
 * Bulk password reset (B5). When mail is set up, each user with an email address gets a
 * set-password link through the mail queue, and their old password stops working; everyone
 * else gets a new random password that they must change at their next sign-in, and the
 * administrator gets that list once. Hashing is deliberately slow (argon2id), so it happens
 * before the transaction, with progress shown; the transaction then writes the hashes, the
 * links and their mail, or none of them. Either way the users' sessions end.
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
  return protections(actor, 'password', BULK_IDS);
}

const HAS_EMAIL = sql`u.email <> ''`;

/** Of the users a reset changes (after markRefused), how many get a link by mail and how many a temporary password. */
export function resetSplit(db: Queryable, mailReady: boolean): { byMail: number; byPassword: number } {
  const byMail = mailReady ? allowedCount(db, HAS_EMAIL) : 0;
  return { byMail, byPassword: allowedCount(db) - byMail };
}

const LINK_DETAIL = 'Set-password link sent by email in a bulk reset; old password cleared; sessions ended';
const PASSWORD_DETAIL = 'Temporary password made in a bulk reset; sessions ended';
const BY_MAIL_CHANGES = JSON.stringify({ passwordState: [null, 'set-password link sent by email'] });
const BY_PASSWORD_CHANGES = JSON.stringify({ passwordState: [null, 'must change'] });

export async function applyReset(
  db: Db,
  actor: Actor,
  selection: Selection,
  requestId: string,
  progress: Progress,
  outbox: Outbox,
  now = new Date(),
): Promise<BulkOutcome & { passwords: TemporaryPassword[]; mailed: number }> {
  const rules = resetRules(actor);
  // Who is meant, read first to know how many passwords to make; decided again in the transaction.
  const { planned, externalUrl } = db.transaction((tx) => {
    resolveSelection(tx, actor, selection);
    markRefused(tx, rules);
    const externalUrl = readMailSettings(tx)?.externalUrl;
    return { planned: resetSplit(tx, externalUrl !== undefined).byPassword, externalUrl };
  });
  if (planned > MAX_TEMPORARY_PASSWORDS) {
    const who = externalUrl ? 'selected users have no email address' : 'were selected';
    throw new JobRefusedError(
      `Temporary passwords are made for at most ${MAX_TEMPORARY_PASSWORDS.toLocaleString('en')} users at a time, and ${planned.toLocaleString('en')} ${who}.`,
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
  let mailed = 0;
  const work: BulkWork = {
    select: (tx) => resolveSelection(tx, actor, selection),
    rules,
    changes: EVERYONE,
    write: (tx) => {
      const rows = changedUsers(tx, sql`, ${displayNameSql('u')} as name, u.username, u.email`) as unknown as Omit<
        TemporaryPassword,
        'password'
      >[];
      const byMail = externalUrl ? rows.filter((row) => row.email !== '') : [];
      const byPassword = externalUrl ? rows.filter((row) => row.email === '') : rows;
      // Anyone without an address who joined the selection since the passwords were made waits for the next reset.
      const leaveOut = prepared(tx, 'delete from bulk_changed where id = ?');
      for (const row of byPassword.slice(made.length)) leaveOut.run(row.id);
      // Signed out everywhere, and any set-password link sent earlier stops working.
      run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
      run(tx, sql`delete from password_tokens where user_id in ${IN_CHANGED} and used_at is null`);
      const write = prepared(
        tx,
        `update users set password_hash = ?, must_change_password = ?, password_expires_at = null,
           password_changed_at = ?, updated_at = ?, updated_by = ?, version = version + 1 where id = ?`,
      );
      const note = prepared(tx, `insert into ${AUDIT_NOTES} (id, changes, detail) values (?, ?, ?)`);
      for (const [i, row] of byPassword.slice(0, made.length).entries()) {
        write.run(made[i]!.hash, 1, at, at, actor.id, row.id);
        note.run(row.id, BY_PASSWORD_CHANGES, PASSWORD_DETAIL);
        passwords.push({ ...row, password: made[i]!.password });
      }
      // The old password stops working; the link is the way back in.
      for (const row of byMail) {
        write.run(null, 0, at, at, actor.id, row.id);
        note.run(row.id, BY_MAIL_CHANGES, LINK_DETAIL);
        queueSetPasswordMail(tx, outbox, externalUrl!, row, actor.id, now);
        mailed++;
      }
    },
    audit: { action: 'user.password', detail: PASSWORD_DETAIL },
  };
  return { ...runBulk(db, actor, work, requestId, progress, now), passwords, mailed };
}
