import pino from 'pino';
import { checkpointAfterJob, openJobDatabase } from './job-database.js';
import { JobBoard } from './board.js';
import { Outbox } from '../mail/queue.js';
import type { JobFinished, JobFiles, ToJobProcess } from './job-process.js';
import { runJob } from './run-job.js';

/**
 * The job process: takes job ids one at a time and runs each on its own connection. A job is
 * one transaction on the main database (see the handlers), so whatever goes wrong part-way
 * leaves the users as they were. It ends with the server, when the channel to it closes.
 */
process.on('disconnect', () => process.exit(0));

interface Worker {
  run(jobId: string, requestId: string): Promise<void>;
  checkpoint(): void;
}

async function open(files: JobFiles): Promise<Worker> {
  await import(files.handlersModule);
  const db = openJobDatabase(files.databaseFile);
  const board = new JobBoard(files.boardFile, files.secret);
  const outbox = new Outbox(files.secret);
  const log = pino({ level: files.logLevel });
  return {
    run: (jobId, requestId) => runJob(db, board, outbox, log, jobId, requestId, files.dataDir, files.secret),
    checkpoint: () => checkpointAfterJob(db),
  };
}

// The runner sends the files first; jobs wait for them. Jobs run strictly one after another,
// even those that wait for hashing between steps. The log is checkpointed once no job is
// waiting, so a queued job never waits for it.
let worker: Promise<Worker> | undefined;
let queue = Promise.resolve();
let waiting = 0;
process.on('message', (message: ToJobProcess) => {
  if ('files' in message) {
    worker = open(message.files);
    return;
  }
  waiting++;
  queue = queue
    .then(async () => (await worker!).run(message.jobId, message.requestId))
    .finally(async () => {
      process.send!({ jobId: message.jobId } satisfies JobFinished);
      if (--waiting === 0) (await worker!).checkpoint();
    });
});
