import { recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { issueToken } from '../portal/set-password-tokens.js';
import { LINK, linkTo, until } from './messages.js';
import { readMailSettings } from '../settings/mail-settings.js';
import { displayName } from '../users/derived-fields.js';
import type { Outbox, QueuedMail } from './queue.js';
import { composeMail } from './templates.js';
import { mailAddressOf } from './recipient.js';

/** The mail that carries a set-password link, with the link kept apart as a secret. */
export function setPasswordMail(
  user: Pick<User, 'username' | 'email'> & { name: string },
  link: { externalUrl: string; token: string; expiresAt: Date },
): QueuedMail {
  return composeMail(
    'set-password',
    {
      to: user.email,
      subject: 'Set your Roster password',
      data: {
        name: user.name,
        username: user.username,
        link: LINK,
        until: until(link.expiresAt),
      },
      secrets: { [LINK]: linkTo(link.externalUrl, link.token) },
    },
    { externalUrl: link.externalUrl },
  );
}

/**
 * Issues a set-password token for the user and queues the mail carrying it, in the caller's
 * transaction: the link exists only if its mail is queued. Needs saved mail settings (the
 * public address the link starts with).
 */
export function queueSetPasswordMail(
  tx: Queryable,
  outbox: Outbox,
  externalUrl: string,
  user: Pick<User, 'id' | 'username' | 'email'> & { name: string },
  adminId: number,
  now: Date,
): void {
  const { token, expiresAt } = issueToken(tx, user.id, adminId, now);
  outbox.enqueue(tx, setPasswordMail(user, { externalUrl, token, expiresAt }), now);
}

/**
 * One user's set-password link by mail (M4), from the user page: the token, the mail and the
 * audit entry in one transaction. False when mail is not set up or the user has no address.
 */
export function mailSetPasswordLink(
  db: Db,
  outbox: Outbox,
  admin: { id: number; name: string },
  user: User,
  options: { requestId?: string; now?: Date } = {},
): boolean {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const settings = readMailSettings(tx);
      const address = mailAddressOf(user);
      if (!settings || address === '') return false;
      const target = { id: user.id, name: displayName(user) };
      queueSetPasswordMail(
        tx,
        outbox,
        settings.externalUrl,
        { ...user, email: address, name: target.name },
        admin.id,
        now,
      );
      recordAudit(
        tx,
        {
          action: 'user.update',
          actor: admin,
          target,
          detail: `set-password link sent by email to ${address}`,
          requestId: options.requestId,
        },
        now,
      );
      return true;
    },
    { behavior: 'immediate' },
  );
}
