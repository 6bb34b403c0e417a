import pino from 'pino';
import { checkpointAfterWrites, openJobDatabase } from './job-database.js';
import { JobBoard } from './board.js';
import { Outbox } from '../mail/queue.js';
import { readFileSync } from 'node:fs';
import type { FromJobProcess, JobFiles, ToJobProcess } from './job-process.js';
import { runJob } from './run-job.js';

/**
 * The job process: takes job ids one at a time and runs each on its own connection. A job is
 * one transaction on the main database (see the handlers), so whatever goes wrong part-way
 * leaves the users as they were. It ends with the server, when the channel to it closes.
 */
process.on('disconnect', () => process.exit(0));

interface Worker {
  /** Resolves to whether the job left something in this process for the next one. */
  run(jobId: string, requestId: string): Promise<boolean>;
  checkpoint(): void;
  retireAboveMegabytes: number;
}

/**
 * The memory this process holds of its own (heaps, SQLite's caches), without the database file
 * it maps; in megabytes. Read where Linux tells it; elsewhere unknown, and the process stays.
 */
function ownMegabytes(): number | undefined {
  try {
    const kb = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

async function open(files: JobFiles): Promise<Worker> {
  await import(files.handlersModule);
  const db = openJobDatabase(files.databaseFile);
  const board = new JobBoard(files.boardFile, files.secret);
  const outbox = new Outbox(files.secret);
  const log = pino({ level: files.logLevel });
  return {
    run: (jobId, requestId) => runJob(db, board, outbox, log, jobId, requestId, files.dataDir, files.secret),
    checkpoint: checkpointAfterWrites(db),
    retireAboveMegabytes: files.retireAboveMegabytes,
  };
}

/** Tells the runner; not once the server has closed the channel (it is stopping). */
function tell(message: FromJobProcess): void {
  if (process.connected) process.send!(message, undefined, undefined, () => {});
}

// The runner sends the files first; jobs wait for them. Jobs run strictly one after another,
// even those that wait for hashing between steps. The log is checkpointed once no job is
// waiting, so a queued job never waits for it; then a process grown heavy says so.
let worker: Promise<Worker> | undefined;
let queue = Promise.resolve();
let waiting = 0;
process.on('message', (message: ToJobProcess) => {
  if ('files' in message) {
    worker = open(message.files);
    return;
  }
  waiting++;
  let keepsMemory = false;
  queue = queue
    .then(async () => {
      keepsMemory = await (await worker!).run(message.jobId, message.requestId);
    })
    .finally(async () => {
      tell({ jobId: message.jobId });
      if (--waiting > 0) return;
      const { checkpoint, retireAboveMegabytes } = await worker!;
      checkpoint();
      if (!keepsMemory && (ownMegabytes() ?? 0) > retireAboveMegabytes) tell({ heavy: true });
    });
});
