import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { activeAdministrator } from '../auth/require-admin.js';
import { BULK_HANDLERS } from '../bulk/handlers.js';
import { EXPORT_HANDLERS } from '../exports/handlers.js';
import { IMPORT_HANDLERS } from '../imports/handlers.js';
import type { Outbox } from '../mail/queue.js';
import type { JobBoard, JobSummary } from './board.js';
import { JobRefusedError } from './refused.js';

/** Reports progress: a phase in words, and how far along it is. */
export type Progress = (phase: string, done: number, total: number) => void;

/** What a job's work is given: its own connection, the administrator who asked, and a progress line. */
export interface JobContext<P> {
  jobId: string;
  db: Db;
  actor: User;
  params: P;
  requestId: string;
  progress: Progress;
  /** Mail a job queues goes in its own transaction, through here. */
  outbox: Outbox;
  /** DATA_DIR: where a job that makes a file (an export) writes it, and where a request leaves files for its job (an uploaded import). */
  dataDir: string;
}

export interface JobOutcome {
  summary: JobSummary;
  /** Shown once to the administrator, kept encrypted for a short while (temporary passwords). */
  secret?: unknown;
}

export type JobHandler<P = never> = (context: JobContext<P>) => JobOutcome | Promise<JobOutcome>;

/** Every kind of job, by the name the board stores. */
const JOB_HANDLERS = { ...BULK_HANDLERS, ...EXPORT_HANDLERS, ...IMPORT_HANDLERS };
export type JobKind = keyof typeof JOB_HANDLERS;

export async function runJob(
  db: Db,
  board: JobBoard,
  outbox: Outbox,
  log: Logger,
  jobId: string,
  requestId: string,
  dataDir: string,
): Promise<void> {
  const job = board.get(jobId);
  if (!job || job.state !== 'queued') return;
  const handler = JOB_HANDLERS[job.kind as JobKind] as JobHandler<unknown> | undefined;
  // The administrator is read again: one demoted or blocked since the request may no longer act.
  const actor = activeAdministrator(db, job.actorId);
  if (!handler || !actor) {
    board.fail(jobId, 'You may no longer do this. Nothing was changed.');
    return;
  }
  // Jobs report a few steps, or one per slow hash: each report is a small write to the board.
  const progress = (phase: string, done: number, total: number) => board.progress(jobId, phase, done, total);
  try {
    progress('Starting', 0, 0);
    const outcome = await handler({ jobId, db, actor, params: job.params, requestId, progress, outbox, dataDir });
    board.finish(jobId, outcome.summary, outcome.secret);
  } catch (err) {
    if (err instanceof JobRefusedError) {
      board.fail(jobId, `${err.message} Nothing was changed.`);
    } else {
      // The transaction was rolled back: say so, and give the reference the log line carries.
      log.error({ err, jobId, reqId: requestId }, 'job failed');
      board.fail(jobId, `Something went wrong, so nothing was changed. Reference: ${requestId}.`);
    }
  }
}
