import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { checkpointAfterJob, openJobDatabase } from './job-database.js';
import { JobBoard } from './board.js';
import { Outbox } from '../mail/queue.js';
import type { JobFiles } from './runner.js';
import { runJob } from './run-job.js';

/**
 * The job thread: takes job ids one at a time and runs each on its own connection. A job is
 * one transaction on the main database (see the handlers), so whatever goes wrong part-way
 * leaves the users as they were.
 */
const files = workerData as JobFiles;
await import(files.handlersModule);
const db = openJobDatabase(files.databaseFile);
const board = new JobBoard(files.boardFile, files.secret);
const outbox = new Outbox(files.secret);
const log = pino({ level: files.logLevel });

// Jobs run strictly one after another, even those that wait for hashing between steps. The
// log is checkpointed once no job is waiting, so a queued job never waits for it.
let queue = Promise.resolve();
let waiting = 0;
parentPort!.on('message', (message: { jobId: string; requestId: string }) => {
  waiting++;
  queue = queue
    .then(() => runJob(db, board, outbox, log, message.jobId, message.requestId, files.dataDir))
    .finally(() => {
      parentPort!.postMessage({ jobId: message.jobId });
      if (--waiting === 0) checkpointAfterJob(db);
    });
});
