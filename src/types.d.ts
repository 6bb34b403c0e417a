import type { Actor } from './access/actor.js';
import type { Capabilities } from './access/policy.js';
import type { Db } from './db/connection.js';
import type { Config } from './config.js';
import type { User } from './db/schema.js';
import type { FirstRun } from './setup/first-run.js';
import type { JobBoard } from './jobs/board.js';
import type { JobRunner } from './jobs/runner.js';
import type { Outbox } from './mail/queue.js';
import type { MailSender } from './mail/sender.js';
import type { Sealer } from './sealed.js';
import type { WriteProbe } from './health/write-probe.js';
import type { DateWords } from './dates.js';
import type { DirectorySync } from './directory/sync.js';
import type { PendingSecondStep } from './two-step/pending.js';
import type { BroadcastSender } from './broadcasts/sending.js';

/** What every template can use, besides its own data. */
export interface ViewLocals {
  path: string;
  requestId: string;
  actor?: Actor;
  /** What the signed-in administrator may do: templates show actions by these, never by role. */
  can?: Capabilities;
  csrf: () => string;
  /** How dates read for the signed-in administrator: their time zone, in words. */
  dates: () => DateWords;
  flash: () => Flash[];
}

export interface Flash {
  kind: 'success' | 'error' | 'info';
  text: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: Config;
    /** Whether the database can be written now (health check, error pages). */
    writeProbe: WriteProbe;
    firstRun: FirstRun;
    /** "METHOD /path" of every route, in the order they were registered. */
    routeList: readonly string[];
    /** Long work off the request path: the board it reports to, and the thread that runs it. */
    jobs: { board: JobBoard; runner: JobRunner };
    /** Outgoing mail: the queue it is written to, the sender that delivers it, the SMTP password's sealer. */
    mail: { outbox: Outbox; sender: MailSender; smtpSealer: Sealer };
    /** The LDAP directory: the bind password's sealer, and the sync that keeps users in step. */
    directory: { sealer: Sealer; sync: DirectorySync };
    /** Broadcasts: the sender that sends each when it is due. */
    broadcasts: { sender: BroadcastSender };
  }
  interface FastifyRequest {
    /** The signed-in administrator; set on every route behind the sign-in guard. */
    actor: Actor;
    /** The signed-in managed user; set on every route behind the account portal's guard. */
    account: User;
  }
  interface FastifyReply {
    locals?: ViewLocals;
    flash(kind: Flash['kind'], text: string): void;
  }
  interface Session {
    /** An administrator's session: the only kind the admin guard accepts. */
    userId?: number;
    /** A session of the account portal; it never opens administrator pages. */
    accountId?: number;
    createdAt?: number;
    lastSeenAt?: number;
    flash?: Flash[];
    /** Signed in with a password, waiting for the second step (see two-step/pending.ts). */
    twoStep?: PendingSecondStep;
    /** An authenticator app being set up: its new secret, sealed, until a code confirms it. */
    totpEnrolment?: { sealed: string; until: number };
  }
}
