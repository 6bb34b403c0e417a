import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection.js';
import type { Sealer } from '../sealed.js';
import { mailConfigured, readSmtpSettings, type SmtpSettings } from '../settings/mail-settings.js';
import { claimNextMail, markAttemptFailed, markSent, type Outbox } from './queue.js';
import { deliver, describeSmtpError, smtpTransport, type SmtpTransport } from './transport.js';

/** Waits between attempts: soon after a hiccup, then less often while the server stays down. */
const RETRY_DELAYS_MS = [1, 5, 30, 120].map((minutes) => minutes * 60_000);
/** A mail not delivered within a day is failed, its error kept for the queue page. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
/** Longer than one send can take with the transport's timeouts, so a live claim never lapses. */
export const LEASE_MS = 2 * 60_000;
const POLL_MS = 5_000;

/** When to try again after `attempts` failed attempts, or undefined once the mail is too old. */
export function nextAttempt(attempts: number, createdAt: Date, now: Date): Date | undefined {
  const delay = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]!;
  const at = now.getTime() + delay;
  return at > createdAt.getTime() + GIVE_UP_AFTER_MS ? undefined : new Date(at);
}

/**
 * Delivers queued mail. It runs in every process that serves requests (see server.ts), each
 * claiming one mail at a time: in a cluster the primary only supervises and holds no database
 * connection, while the workers already have one, and if a worker dies the others carry on.
 * The claims keep two processes from sending the same mail; only a process that stops between
 * the server accepting a mail and the row being marked sent can cause a repeat, after its lease.
 */
export class MailSender {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly smtpSealer: Sealer,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Looks for due mail every few seconds; the timer never keeps the process alive. */
  start(everyMs = POLL_MS): void {
    this.timer ??= setInterval(() => void this.deliverDueOnce(), everyMs).unref();
  }

  /**
   * Delivers now rather than at the next poll, for mail someone is waiting for (a sign-in code).
   * Only where the sender runs: a process that does not send leaves it to the ones that do.
   */
  wake(): void {
    if (this.timer) void this.deliverDueOnce();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round at a time per process: a round still sending is not joined by another. */
  private deliverDueOnce(): Promise<unknown> {
    this.running ??= this.deliverDue()
      .catch((err: unknown) => this.log.error({ err }, 'mail round failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Sends every mail due, one claim at a time, and records each outcome. `now` fixes the clock
   * (tests); left out, each claim reads the time afresh, so a long round never claims a row with
   * a lease that has already run out. While mail is not set up nothing is claimed: the mail
   * waits, untouched, until it is.
   */
  async deliverDue(now?: Date): Promise<{ sent: number; failed: number }> {
    const outcome = { sent: 0, failed: 0 };
    if (!mailConfigured(this.db)) return outcome;
    const clock = () => now ?? new Date();
    const claimId = randomUUID();
    let connection: Connection | undefined;
    try {
      for (let row = claimNextMail(this.db, claimId, clock(), LEASE_MS); row;) {
        try {
          // Opened once a mail is claimed, so an empty queue costs two small queries.
          connection ??= this.connect();
          await deliver(connection.transport, connection.settings, this.outbox.open(row));
          markSent(this.db, row, claimId, clock());
          outcome.sent++;
        } catch (err) {
          const error = connection ? describeSmtpError(err, connection.settings) : (err as Error).message;
          const retryAt = nextAttempt(row.attempts + 1, row.createdAt, clock());
          markAttemptFailed(this.db, row, claimId, error, retryAt);
          outcome.failed++;
          this.log.warn({ mailId: row.id, error, retryAt }, retryAt ? 'mail not sent; will retry' : 'mail given up');
          // Unless the server refused this one mail, the next would fail the same way: the rest
          // keep their turn rather than each waiting out a timeout now.
          if (!refusedThisMail(err)) break;
        }
        row = claimNextMail(this.db, claimId, clock(), LEASE_MS);
      }
    } finally {
      connection?.transport.close();
    }
    return outcome;
  }

  /** Throws SmtpPasswordUnreadableError, whose message then stands as each mail's error. */
  private connect(): Connection {
    const settings = readSmtpSettings(this.db, this.smtpSealer)!;
    return { settings, transport: smtpTransport(settings) };
  }
}

interface Connection {
  settings: SmtpSettings;
  transport: SmtpTransport;
}

/** The server answered, about this mail only (a refused recipient or message). */
function refusedThisMail(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'EENVELOPE' || code === 'EMESSAGE';
}
