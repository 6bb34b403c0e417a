import { sql } from 'drizzle-orm';
import { recordAudit } from '../audit/record.js';
import type { Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { allRows } from '../db/statements.js';
import { readMailSettings, mailConfigured } from '../settings/mail-settings.js';
import { displayName, displayNameSql } from '../users/derived-fields.js';
import { mayEmail } from '../access/policy.js';
import type { Actor } from '../access/actor.js';
import { queueWelcomeMail } from './messages.js';
import type { Outbox } from './queue.js';
import { MAIL_ADDRESS, mailAddressOf } from './recipient.js';

const WELCOME_DETAIL = 'Welcome mail sent';

/** Whether New, Clone and import offer the welcome mail: mail set up, and the email permission. */
export const welcomeOffered = (db: Queryable, actor: Actor) => mayEmail(actor) && mailConfigured(db);

/**
 * A new user's welcome mail (M5), in the transaction that creates them. Returns the address it
 * goes to, or '' when the user has no address (or mail has been taken down since the form).
 */
export function welcomeNewUser(tx: Queryable, outbox: Outbox, actor: Actor, user: User, now: Date): string {
  const externalUrl = readMailSettings(tx)?.externalUrl;
  const address = mailAddressOf(user);
  if (!externalUrl || address === '') return '';
  const name = displayName(user);
  queueWelcomeMail(
    tx,
    outbox,
    externalUrl,
    {
      id: user.id,
      name,
      username: user.username,
      address,
      hasPassword: user.passwordHash !== null,
      mustChangePassword: user.mustChangePassword,
    },
    actor.id,
    now,
  );
  recordAudit(
    tx,
    {
      action: 'user.mail',
      actor: { id: actor.id, name: displayName(actor) },
      target: { id: user.id, name },
      detail: `${WELCOME_DETAIL} to ${address}`,
    },
    now,
  );
  return address;
}

/** The welcome mail for each user an import created who has an address; returns how many were queued. */
export function welcomeImported(outbox: Outbox, actor: Actor, tx: Queryable, ids: number[], now: Date): number {
  const externalUrl = readMailSettings(tx)?.externalUrl;
  if (!externalUrl) return 0;
  const rows = allRows<{ id: number; name: string; username: string; address: string; mustChange: number }>(
    tx,
    sql`select u.id, ${displayNameSql('u')} as name, u.username, ${MAIL_ADDRESS} as address,
          u.must_change_password as mustChange
        from users u where u.id in (select value from json_each(${JSON.stringify(ids)})) and ${MAIL_ADDRESS} <> ''`,
  );
  const actorRef = { id: actor.id, name: displayName(actor) };
  for (const row of rows) {
    queueWelcomeMail(
      tx,
      outbox,
      externalUrl,
      { ...row, hasPassword: false, mustChangePassword: row.mustChange === 1 },
      actor.id,
      now,
    );
    recordAudit(
      tx,
      {
        action: 'user.mail',
        actor: actorRef,
        target: { id: row.id, name: row.name },
        detail: `${WELCOME_DETAIL} to ${row.address}`,
      },
      now,
    );
  }
  return rows.length;
}
