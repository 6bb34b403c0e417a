import type { Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { issueToken, LINK_LIFETIME_MS, SET_PASSWORD_PAGE } from '../portal/set-password-tokens.js';
import { invitationLifetimeMs } from '../settings/invitation-lifetime.js';
import type { Outbox, QueuedMail } from './queue.js';
import { signInAddress } from './recipient.js';
import { composeMail } from './templates.js';

/**
 * The mails an administrator's actions send a user (M2, M4, M5), each built from its template
 * pair in views/mail. A set-password link travels as a secret: the outbox seals it, and the
 * stored text holds only the placeholder below.
 */

/** Stands for the link in the stored text; the link itself is sealed and erased once sent. */
export const LINK = '[set-password link]';

/** Who a mail is for: the address it goes to (see mailAddressOf), and how it greets them. */
export interface Recipient {
  id: number;
  name: string;
  username: string;
  address: string;
}

/** When a link stops working, as the mail says it (in UTC, to the minute). */
export const until = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');
export const linkTo = (externalUrl: string, token: string) => `${externalUrl}${SET_PASSWORD_PAGE}?token=${token}`;

/** Username and sign-in address (M2): nothing secret, so nothing sealed. */
export function detailsMail(user: Recipient, externalUrl: string): QueuedMail {
  return composeMail(
    'details',
    {
      to: user.address,
      subject: 'Your Roster sign-in details',
      data: { name: user.name, username: user.username, signIn: signInAddress(externalUrl) },
    },
    { externalUrl },
  );
}

/**
 * A new user's welcome (M5, U2). Without a password it is an invitation: a set-password link
 * that lasts the configured days. With one the administrator chose, it says the username and
 * where to sign in, and never the password.
 */
export function queueWelcomeMail(
  tx: Queryable,
  outbox: Outbox,
  externalUrl: string,
  user: Recipient & Pick<User, 'mustChangePassword'> & { hasPassword: boolean },
  adminId: number,
  now: Date,
): void {
  const data = { name: user.name, username: user.username, signIn: signInAddress(externalUrl) };
  const to = { to: user.address, subject: 'Welcome to Roster' };
  if (user.hasPassword) {
    outbox.enqueue(
      tx,
      composeMail(
        'welcome-credentials',
        { ...to, data: { ...data, mustChange: user.mustChangePassword } },
        { externalUrl },
      ),
      now,
    );
    return;
  }
  const lifetimeMs = invitationLifetimeMs(tx);
  const { token, expiresAt } = issueToken(tx, user.id, adminId, now, { purpose: 'invitation', lifetimeMs });
  const invitation = composeMail(
    'welcome-invitation',
    {
      ...to,
      data: { ...data, link: LINK, until: until(expiresAt), days: Math.round(lifetimeMs / 86_400_000) },
      secrets: { [LINK]: linkTo(externalUrl, token) },
    },
    { externalUrl },
  );
  outbox.enqueue(tx, invitation, now);
}

/** The link someone asked for on a sign-in page (M4): a reset link, issued by nobody. */
export function queueForgotPasswordMail(
  tx: Queryable,
  outbox: Outbox,
  externalUrl: string,
  user: Recipient,
  now: Date,
) {
  const { token, expiresAt } = issueToken(tx, user.id, null, now, { purpose: 'reset', lifetimeMs: FORGOT_LINK_MS });
  outbox.enqueue(tx, forgotPasswordMail(user, externalUrl, token, expiresAt), now);
}

export function forgotPasswordMail(user: Recipient, externalUrl: string, token: string, expiresAt: Date): QueuedMail {
  return composeMail(
    'forgot-password',
    {
      to: user.address,
      subject: FORGOT_SUBJECT,
      data: { name: user.name, username: user.username, link: LINK, until: until(expiresAt) },
      secrets: { [LINK]: linkTo(externalUrl, token) },
    },
    { externalUrl },
  );
}

export const FORGOT_SUBJECT = 'Choose a new Roster password';

/** Someone who asked for the link is at their mail now: an hour is plenty, and a stolen mailbox gets less time. */
export const FORGOT_LINK_MS = Math.min(LINK_LIFETIME_MS, 3_600_000);
