import { sql } from 'drizzle-orm';
import type { Actor } from '../access/actor.js';
import { type BulkOutcome, changedUsers, runBulk } from '../bulk/changed-set.js';
import { resolveSelection, type Selection } from '../bulk/selection.js';
import type { Db, Queryable } from '../db/connection.js';
import type { Progress } from '../jobs/job.js';
import { JobRefusedError } from '../jobs/refused.js';
import { issueToken } from '../portal/set-password-tokens.js';
import { readMailSettings } from '../settings/mail-settings.js';
import { displayNameSql } from '../users/derived-fields.js';
import { MAIL_ACTIONS, type MailActionName, mailRules } from './mail-actions.js';
import { detailsMail, queueWelcomeMail, type Recipient } from './messages.js';
import type { Outbox } from './queue.js';
import { HAS_MAIL_ADDRESS, MAIL_ADDRESS } from './recipient.js';
import { setPasswordMail } from './set-password-mail.js';

/** How often a long run of mails reports how far it is. */
const PROGRESS_EVERY = 250;

type Row = Recipient & { hasPassword: number; mustChangePassword: number };

/** What each action queues for one user, inside the job's transaction. */
const QUEUE: Record<
  MailActionName,
  (tx: Queryable, outbox: Outbox, externalUrl: string, row: Row, actor: Actor, now: Date) => void
> = {
  'mail-details': (tx, outbox, externalUrl, row, _actor, now) => outbox.enqueue(tx, detailsMail(row, externalUrl), now),
  'mail-link': (tx, outbox, externalUrl, row, actor, now) => {
    const link = issueToken(tx, row.id, actor.id, now);
    outbox.enqueue(tx, setPasswordMail({ ...row, email: row.address }, { externalUrl, ...link }), now);
  },
  'mail-welcome': (tx, outbox, externalUrl, row, actor, now) =>
    queueWelcomeMail(
      tx,
      outbox,
      externalUrl,
      { ...row, hasPassword: row.hasPassword === 1, mustChangePassword: row.mustChangePassword === 1 },
      actor.id,
      now,
    ),
};

/**
 * Mails each selected user with an address (M2, M5, and set-password links), one message per
 * user through the outbox, in one transaction with an audit entry per user. Users without an
 * address count as left as they were: the summary calls them skipped.
 */
export function applyMailAction(
  db: Db,
  actor: Actor,
  selection: Selection,
  action: MailActionName,
  requestId: string,
  progress: Progress,
  outbox: Outbox,
  now = new Date(),
): BulkOutcome {
  return runBulk(
    db,
    actor,
    {
      select: (tx) => resolveSelection(tx, actor, selection),
      rules: mailRules(actor, action),
      changes: HAS_MAIL_ADDRESS,
      write: (tx) => {
        const externalUrl = readMailSettings(tx)?.externalUrl;
        if (!externalUrl) throw new JobRefusedError('Mail is no longer set up: nothing was sent.');
        const rows = changedUsers(
          tx,
          sql`, ${displayNameSql('u')} as name, u.username, ${MAIL_ADDRESS} as address,
              u.password_hash is not null as hasPassword, u.must_change_password as mustChangePassword`,
        ) as unknown as Row[];
        for (const [i, row] of rows.entries()) {
          if (i % PROGRESS_EVERY === 0)
            progress(`Writing mails: ${i.toLocaleString('en')} of ${rows.length.toLocaleString('en')}`, i, rows.length);
          QUEUE[action](tx, outbox, externalUrl, row, actor, now);
        }
      },
      audit: { action: 'user.mail', detail: MAIL_ACTIONS[action].audit },
    },
    requestId,
    progress,
    now,
  );
}
