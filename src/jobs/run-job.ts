import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import { activeAdministrator } from '../access/actor.js';
import type { Outbox } from '../mail/queue.js';
import type { JobBoard } from './board.js';
import { jobHandler } from './job.js';
import { JobRefusedError } from './refused.js';

/** Runs the job; resolves to whether it left something in this process for the next (JobOutcome.keepsMemory). */
export async function runJob(
  db: Db,
  board: JobBoard,
  outbox: Outbox,
  log: Logger,
  jobId: string,
  requestId: string,
  dataDir: string,
  secret = '',
): Promise<boolean> {
  const job = board.get(jobId);
  if (!job || job.state !== 'queued') return false;
  const handler = jobHandler(job.kind);
  // The administrator is read again: one demoted or blocked since the request may no longer act.
  const actor = activeAdministrator(db, job.actorId);
  if (!handler || !actor) {
    board.fail(jobId, 'You may no longer do this. Nothing was changed.');
    return false;
  }
  // Jobs report a few steps, or one per slow hash: each report is a small write to the board.
  const progress = (phase: string, done: number, total: number) => board.progress(jobId, phase, done, total);
  try {
    progress('Starting', 0, 0);
    const outcome = await handler({
      jobId,
      db,
      actor,
      params: job.params,
      requestId,
      progress,
      outbox,
      dataDir,
      secret,
    });
    board.finish(jobId, outcome.summary, outcome.secret);
    return outcome.keepsMemory === true;
  } catch (err) {
    if (err instanceof JobRefusedError) {
      board.fail(jobId, `${err.message} Nothing was changed.`);
    } else {
      // The transaction was rolled back: say so, and give the reference the log line carries.
      log.error({ err, jobId, reqId: requestId }, 'job failed');
      board.fail(jobId, `Something went wrong, so nothing was changed. Reference: ${requestId}.`);
    }
    return false;
  }
}
