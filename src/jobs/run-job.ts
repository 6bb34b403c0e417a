import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { isEnabled } from '../auth/signin.js';
import { BULK_HANDLERS } from '../bulk/handlers.js';
import type { JobBoard, JobSummary } from './board.js';
import { JobRefusedError } from './refused.js';

/** What a job's work is given: its own connection, the administrator who asked, and a progress line. */
export interface JobContext<P> {
  db: Db;
  actor: User;
  params: P;
  requestId: string;
  /** Reports progress; cheap to call often (it writes at most a few times a second). */
  progress(phase: string, done: number, total: number): void;
}

export interface JobOutcome {
  summary: JobSummary;
  /** Shown once to the administrator, kept encrypted for a short while (temporary passwords). */
  secret?: unknown;
}

export type JobHandler<P = never> = (context: JobContext<P>) => JobOutcome | Promise<JobOutcome>;

const PROGRESS_EVERY_MS = 200;

export async function runJob(db: Db, board: JobBoard, log: Logger, jobId: string, requestId: string): Promise<void> {
  const job = board.get(jobId);
  if (!job || job.state !== 'queued') return;
  const handler = BULK_HANDLERS[job.kind as keyof typeof BULK_HANDLERS] as JobHandler<unknown> | undefined;
  // The administrator is read again: one demoted or blocked since the request may no longer act.
  const actor = db
    .select()
    .from(users)
    .where(and(eq(users.id, job.actorId), isNotNull(users.adminRole), isNull(users.deletedAt)))
    .get();
  if (!handler || !actor || !isEnabled(actor)) {
    board.fail(jobId, 'You may no longer do this. Nothing was changed.');
    return;
  }
  let lastReport = 0;
  const progress = (phase: string, done: number, total: number) => {
    const now = Date.now();
    if (now - lastReport < PROGRESS_EVERY_MS && done < total) return;
    lastReport = now;
    board.progress(jobId, phase, done, total);
  };
  try {
    progress('Starting', 0, 0);
    const outcome = await handler({ db, actor, params: job.params, requestId, progress });
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
