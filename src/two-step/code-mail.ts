import type { Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import type { Outbox } from '../mail/queue.js';
import { composeMail, PRODUCT_NAME } from '../mail/templates.js';
import { readMailSettings } from '../settings/mail-settings.js';
import { displayName } from '../users/derived-fields.js';
import { EMAIL_CODE_LIFETIME_MS, issueEmailCode } from './codes.js';

/** Stands for the code in the stored mail; the code itself is sealed and erased once sent. */
const CODE = '[verification code]';

const PURPOSES = {
  signin: 'Enter it on the sign-in page to finish signing in.',
  enrol: 'Enter it on the page where you are setting up two-step verification.',
};

/** Whether codes can go by mail to this account: mail is set up and the account has an address. */
export function codeMailPossible(db: Queryable, user: Pick<User, 'email'>): boolean {
  return user.email !== '' && readMailSettings(db) !== undefined;
}

/**
 * Issues a new code and queues the mail that carries it, in the caller's transaction, to the
 * account's own address. False (nothing issued) when mail is not set up or there is no address.
 */
export function queueCodeMail(
  tx: Queryable,
  outbox: Outbox,
  user: User,
  purpose: keyof typeof PURPOSES,
  now: Date,
): boolean {
  const settings = readMailSettings(tx);
  if (!settings || user.email === '') return false;
  const { code } = issueEmailCode(tx, user.id, now);
  const mail = composeMail(
    'two-step-code',
    {
      to: user.email,
      subject: `Your ${PRODUCT_NAME} verification code`,
      data: {
        name: displayName(user),
        code: CODE,
        purpose: PURPOSES[purpose],
        minutes: EMAIL_CODE_LIFETIME_MS / 60_000,
      },
      secrets: { [CODE]: code },
    },
    { externalUrl: settings.externalUrl },
  );
  outbox.enqueue(tx, mail, now);
  return true;
}
