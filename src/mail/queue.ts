import { and, desc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { mailQueue } from '../db/schema.js';
import { oneRow, prepared } from '../db/statements.js';
import { Sealer } from '../sealed.js';
import { escapeHtml } from '../text.js';
import type { OutgoingMail } from './transport.js';

/**
 * The durable mail queue: enqueue inside the caller's transaction, and the claims a sender
 * makes. A claim is one UPDATE … RETURNING, which SQLite runs under its write lock, so of
 * several processes sending at once exactly one gets each row.
 */

/** A mail to queue; `secrets` maps placeholders in the text to what only the sent mail may hold. */
export interface QueuedMail extends OutgoingMail {
  secrets?: Record<string, string>;
}

export type MailRow = typeof mailQueue.$inferSelect;

/**
 * Writes mail to the queue. Secret parts (set-password links) are sealed, and the text keeps
 * only their placeholders, so the database alone never holds a usable link; once the mail is
 * sent or given up the sealed part is erased.
 */
export class Outbox {
  private readonly sealer: Sealer;

  constructor(sessionSecret: string) {
    this.sealer = new Sealer(sessionSecret, 'roster mail secrets');
  }

  /** Call with the transaction that makes the change the mail is about. Returns the queued mail's id. */
  enqueue(tx: Queryable, mail: QueuedMail, now = new Date()): number {
    const secret = mail.secrets ? this.sealer.seal(mail.secrets) : null;
    // A prepared statement: a bulk reset queues one mail per user.
    const queued = prepared(
      tx,
      `insert into mail_queue (recipient, subject, body, html, secret_sealed, next_attempt_at, created_at)
       values (?, ?, ?, ?, ?, ?, ?)`,
    ).run(mail.to, mail.subject, mail.text, mail.html ?? null, secret, now.getTime(), now.getTime());
    return Number(queued.lastInsertRowid);
  }

  /** The mail as it is sent, secrets in place. */
  open(row: MailRow): OutgoingMail {
    const secrets = row.secretSealed ? (this.sealer.open(row.secretSealed) as Record<string, string>) : {};
    const reveal = (part: string, escape: (value: string) => string) =>
      Object.entries(secrets).reduce((body, [placeholder, value]) => body.replaceAll(placeholder, escape(value)), part);
    return {
      to: row.recipient,
      subject: row.subject,
      text: reveal(row.body, (value) => value),
      html: row.html === null ? undefined : reveal(row.html, escapeHtml),
    };
  }
}

/**
 * Claims the next due mail for `leaseMs`. A claim whose lease ran out (its process stopped
 * mid-send) is due again, so a crash delays a mail but never loses it. The queue is looked at
 * with a read first: an UPDATE takes SQLite's write lock even when it matches nothing, and every
 * process polls, so an empty queue would otherwise wait behind each bulk job's transaction.
 */
export function claimNextMail(db: Queryable, claimId: string, now: Date, leaseMs: number): MailRow | undefined {
  const at = now.getTime();
  const due = sql`status = 'queued' and next_attempt_at <= ${at} and (lease_until is null or lease_until <= ${at})`;
  const next = oneRow<{ id: number }>(
    db,
    sql`select id from mail_queue where ${due} order by next_attempt_at, id limit 1`,
  );
  if (!next) return undefined;
  // The same condition again under the write lock: another process may have claimed it since.
  return db
    .update(mailQueue)
    .set({ claimId, leaseUntil: new Date(at + leaseMs) })
    .where(and(eq(mailQueue.id, next.id), due))
    .returning()
    .get();
}

const heldBy = (id: number, claimId: string) => and(eq(mailQueue.id, id), eq(mailQueue.claimId, claimId));

export function markSent(db: Queryable, row: MailRow, claimId: string, now: Date): void {
  db.update(mailQueue)
    .set({
      status: 'sent',
      sentAt: now,
      attempts: row.attempts + 1,
      secretSealed: null,
      claimId: null,
      leaseUntil: null,
      lastError: null,
    })
    .where(heldBy(row.id, claimId))
    .run();
}

/** Records a failed attempt: tried again at `retryAt`, or, with none, failed for good (its secret erased). */
export function markAttemptFailed(
  db: Queryable,
  row: MailRow,
  claimId: string,
  error: string,
  retryAt: Date | undefined,
): void {
  const outcome = retryAt ? { nextAttemptAt: retryAt } : { status: 'failed' as const, secretSealed: null };
  db.update(mailQueue)
    .set({ ...outcome, attempts: row.attempts + 1, lastError: error, claimId: null, leaseUntil: null })
    .where(heldBy(row.id, claimId))
    .run();
}

type MailListEntry = Pick<
  MailRow,
  'id' | 'recipient' | 'subject' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'createdAt' | 'sentAt'
>;

/** The most recent mail, newest first, for the superusers' queue page. */
export function recentMail(db: Queryable, limit: number): MailListEntry[] {
  return db
    .select({
      id: mailQueue.id,
      recipient: mailQueue.recipient,
      subject: mailQueue.subject,
      status: mailQueue.status,
      attempts: mailQueue.attempts,
      nextAttemptAt: mailQueue.nextAttemptAt,
      lastError: mailQueue.lastError,
      createdAt: mailQueue.createdAt,
      sentAt: mailQueue.sentAt,
    })
    .from(mailQueue)
    .orderBy(desc(mailQueue.createdAt), desc(mailQueue.id))
    .limit(limit)
    .all();
}
