import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Actor, activeAdministrator } from '../access/actor.js';
import { mayEmail } from '../access/policy.js';
import { auditActor, recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { allRows, oneRow, prepared } from '../db/statements.js';
import type { Outbox } from '../mail/queue.js';
import { readMailSettings } from '../settings/mail-settings.js';
import { usersCount } from '../text.js';
import { displayNameSql } from '../users/derived-fields.js';
import { audienceCondition, storedAudience } from './audience.js';
import { broadcastMailer } from './broadcast-mail.js';

/**
 * Sends due broadcasts. Every serving process polls (see server.ts), as it polls the mail
 * outbox; a due broadcast is claimed with one UPDATE … RETURNING, which SQLite runs under its
 * write lock, so of several processes exactly one sends it. The claim is a lease: a process
 * that stops mid-send leaves it claimed until the lease runs out, and the next claimer carries
 * on where it stopped, as recipients already written (the table's primary key) are skipped.
 *
 * The audience is resolved now, with the sender's scope and permissions as they are now, and
 * written in chunks: each chunk's recipients and their mails in one transaction, the event
 * loop free between chunks, so a broadcast to 100,000 users never holds up requests for long.
 */

/** Long enough for a chunk or two on a slow disk; renewed with every chunk. */
export const BROADCAST_LEASE_MS = 60_000;
/** Recipients written per transaction: about 15 ms of work, so requests wait little between chunks (100,000 take about 5 s). */
const CHUNK = 250;
const POLL_MS = 10_000;

const DUE = (at: number) =>
  sql`((status = 'scheduled' and send_at <= ${at}) or (status = 'sending' and lease_until <= ${at}))`;

/**
 * Claims the next due broadcast, or one whose sender's lease ran out. Looked for with a read
 * first, so a process with nothing to do never takes the write lock.
 */
export function claimDueBroadcast(db: Queryable, claimId: string, now: Date, leaseMs = BROADCAST_LEASE_MS) {
  const at = now.getTime();
  const next = oneRow<{ id: number }>(db, sql`select id from broadcasts where ${DUE(at)} order by send_at, id limit 1`);
  if (!next) return undefined;
  // The same condition again under the write lock: another process may have claimed it since.
  return oneRow<{ id: number }>(
    db,
    sql`update broadcasts set status = 'sending', claim_id = ${claimId}, lease_until = ${at + leaseMs}
        where id = ${next.id} and ${DUE(at)} returning id`,
  )?.id;
}

/**
 * Renews the lease, in the chunk's transaction, if this claimer still holds the broadcast. A
 * claimer whose lease lapsed (a long pause) and was taken over learns it here, and stops.
 */
function renewLease(tx: Queryable, id: number, claimId: string, until: number): boolean {
  return (
    prepared(tx, `update broadcasts set lease_until = ? where id = ? and claim_id = ? and status = 'sending'`).run(
      until,
      id,
      claimId,
    ).changes > 0
  );
}

interface Recipient {
  id: number;
  email: string;
  name: string;
}

type Clock = () => Date;

export class BroadcastSender {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly log: FastifyBaseLogger,
    private readonly leaseMs = BROADCAST_LEASE_MS,
  ) {}

  /** Looks for due broadcasts every few seconds; the timer never keeps the process alive. */
  start(everyMs = POLL_MS): void {
    this.timer ??= setInterval(() => this.nudge(), everyMs).unref();
  }

  /** Stops between chunks; a broadcast under way is handed back, due at once for the next claimer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    await this.running;
  }

  /**
   * A round now rather than at the next poll ("Send now"), in a process whose sending has
   * started; elsewhere (tests, commands) nothing runs unasked. One round at a time per process.
   */
  nudge(): void {
    if (!this.timer) return;
    this.running ??= this.sendDue()
      .catch((err: unknown) => this.log.error({ err }, 'broadcast round failed'))
      .finally(() => (this.running = undefined));
  }

  /**
   * Sends every broadcast due at `now` (tests fix the clock; left out, the time is read afresh
   * for each step). Returns the ids this call sent.
   */
  async sendDue(now?: Date): Promise<number[]> {
    const clock: Clock = () => now ?? new Date();
    const claimId = randomUUID();
    const sent: number[] = [];
    const claim = () => (this.stopping ? undefined : claimDueBroadcast(this.db, claimId, clock(), this.leaseMs));
    for (let id = claim(); id; id = claim()) {
      if (await this.send(id, claimId, clock)) sent.push(id);
    }
    return sent;
  }

  /** Sends one claimed broadcast; false when it was not sent (sender gone, or the claim lost). */
  private async send(id: number, claimId: string, clock: Clock): Promise<boolean> {
    const broadcast = prepared(this.db, 'select * from broadcasts where id = ?').get(id) as {
      subject: string;
      body: string;
      category: string;
      audience: string;
      created_by: number | null;
    };
    const sender = broadcast.created_by === null ? undefined : activeAdministrator(this.db, broadcast.created_by);
    if (!sender || !mayEmail(sender)) return this.abandon(id, claimId, broadcast.subject, clock());

    const condition = audienceCondition(this.db, sender, storedAudience(JSON.parse(broadcast.audience)));
    // Without mail settings the message still reaches everyone as a banner.
    const externalUrl = readMailSettings(this.db)?.externalUrl;
    const mailFor = externalUrl === undefined ? undefined : broadcastMailer(broadcast, externalUrl);
    let after = 0;
    for (;;) {
      const step = this.db.transaction(
        (tx) => {
          const now = clock();
          if (!renewLease(tx, id, claimId, now.getTime() + this.leaseMs)) return 'lost';
          const batch = allRows<Recipient>(
            tx,
            sql`select u.id, u.email, ${displayNameSql('u')} as name from users u
                where ${condition} and u.id > ${after}
                  and not exists (select 1 from broadcast_recipients r where r.broadcast_id = ${id} and r.user_id = u.id)
                order by u.id limit ${CHUNK}`,
          );
          const insert = prepared(
            tx,
            'insert into broadcast_recipients (broadcast_id, user_id, mail_id) values (?, ?, ?)',
          );
          for (const recipient of batch) {
            const mailId = mailFor && recipient.email !== '' ? this.outbox.enqueue(tx, mailFor(recipient), now) : null;
            insert.run(id, recipient.id, mailId);
          }
          after = batch.at(-1)?.id ?? after;
          return batch.length < CHUNK ? 'done' : 'more';
        },
        { behavior: 'immediate' },
      );
      if (step === 'lost') return false;
      if (step === 'done') break;
      await nextTurn();
      if (this.stopping) return this.handBack(id, claimId);
    }
    return this.finish(id, claimId, broadcast.subject, sender, clock());
  }

  /** Marks the broadcast sent, with its counts, and audits it in the sender's name. */
  private finish(id: number, claimId: string, subject: string, sender: Actor, now: Date): boolean {
    return this.db.transaction(
      (tx) => {
        const counts = oneRow<{ recipients: number; mailed: number }>(
          tx,
          sql`select count(*) as recipients, count(mail_id) as mailed from broadcast_recipients where broadcast_id = ${id}`,
        )!;
        const done = prepared(
          tx,
          `update broadcasts set status = 'sent', sent_at = ?, recipient_count = ?, claim_id = null, lease_until = null
           where id = ? and claim_id = ? and status = 'sending'`,
        ).run(now.getTime(), counts.recipients, id, claimId);
        if (done.changes === 0) return false;
        const withoutAddress = counts.recipients - counts.mailed;
        recordAudit(
          tx,
          {
            action: 'broadcast.send',
            actor: auditActor(sender),
            detail:
              `“${subject}” sent to ${usersCount(counts.recipients)}: ${counts.mailed.toLocaleString('en')} ` +
              `${counts.mailed === 1 ? 'email' : 'emails'} queued, ${withoutAddress.toLocaleString('en')} shown in the portal only`,
          },
          now,
        );
        this.log.info({ broadcastId: id, recipients: counts.recipients, mailed: counts.mailed }, 'broadcast sent');
        return true;
      },
      { behavior: 'immediate' },
    );
  }

  /** Ends this claim early (the process is stopping): the lease runs out now, not in a minute. */
  private handBack(id: number, claimId: string): boolean {
    prepared(this.db, `update broadcasts set lease_until = 0 where id = ? and claim_id = ? and status = 'sending'`).run(
      id,
      claimId,
    );
    return false;
  }

  /**
   * A sender who may no longer email users (removed, deactivated, demoted) sends nothing: the
   * broadcast is cancelled, and the audit log says why.
   */
  private abandon(id: number, claimId: string, subject: string, now: Date): boolean {
    this.db.transaction(
      (tx) => {
        const stopped = prepared(
          tx,
          `update broadcasts set status = 'cancelled', updated_at = ?, version = version + 1, claim_id = null, lease_until = null
           where id = ? and claim_id = ? and status = 'sending'`,
        ).run(now.getTime(), id, claimId);
        if (stopped.changes === 0) return;
        recordAudit(
          tx,
          {
            action: 'broadcast.cancel',
            actor: null,
            detail: `“${subject}” was not sent: whoever wrote it may no longer email users`,
            changes: { status: ['Scheduled', 'Cancelled'] },
          },
          now,
        );
      },
      { behavior: 'immediate' },
    );
    return false;
  }
}
