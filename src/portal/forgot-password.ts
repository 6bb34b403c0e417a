import { sql } from 'drizzle-orm';
import { isEnabled } from '../access/actor.js';
import { recordAudit } from '../audit/record.js';
import type { Db } from '../db/connection.js';
import { oneRow } from '../db/statements.js';
import { FORGOT_SUBJECT, queueForgotPasswordMail } from '../mail/messages.js';
import type { Outbox } from '../mail/queue.js';
import { mailAddressOf } from '../mail/recipient.js';
import { readMailSettings } from '../settings/mail-settings.js';
import { displayName } from '../users/derived-fields.js';
import { findAccountByLogin } from '../users/repository.js';

/**
 * "Forgot password?" (M4): a set-password link by mail to whoever owns the account. The person
 * asking is told the same thing whatever happens here, so this answers nothing; it only decides
 * whether a link goes out. The limits count what the database holds, so every serving process
 * sees the same counts.
 */
export const FORGOT_LIMITS = {
  /** Links to one account within the window. */
  perAccount: 3,
  /** Links to one mailbox within the window, whichever accounts share it. */
  perAddress: 5,
  windowMs: 3_600_000,
};

export type ForgotOutcome = 'sent' | 'no account' | 'no address' | 'mail not set up' | 'too many';

export function requestPasswordLink(
  db: Db,
  outbox: Outbox,
  login: string,
  options: { requestId?: string; now?: Date } = {},
): ForgotOutcome {
  const now = options.now ?? new Date();
  const since = now.getTime() - FORGOT_LIMITS.windowMs;
  return db.transaction(
    (tx) => {
      const user = findAccountByLogin(tx, login);
      if (!user || !isEnabled(user)) return 'no account';
      const address = mailAddressOf(user);
      if (address === '') return 'no address';
      const externalUrl = readMailSettings(tx)?.externalUrl;
      if (!externalUrl) return 'mail not set up';
      const toAccount = oneRow<{ n: number }>(
        tx,
        sql`select count(*) as n from audit_entries
            where action = 'account.reset_requested' and target_user_id = ${user.id} and at > ${since}`,
      )!.n;
      const toAddress = oneRow<{ n: number }>(
        tx,
        sql`select count(*) as n from mail_queue
            where recipient = ${address} and subject = ${FORGOT_SUBJECT} and created_at > ${since}`,
      )!.n;
      if (toAccount >= FORGOT_LIMITS.perAccount || toAddress >= FORGOT_LIMITS.perAddress) return 'too many';
      const name = displayName(user);
      queueForgotPasswordMail(tx, outbox, externalUrl, { id: user.id, name, username: user.username, address }, now);
      const self = { id: user.id, name };
      recordAudit(
        tx,
        {
          action: 'account.reset_requested',
          actor: self,
          target: self,
          detail: `Set-password link sent by email to ${address}`,
          requestId: options.requestId,
        },
        now,
      );
      return 'sent';
    },
    { behavior: 'immediate' },
  );
}
