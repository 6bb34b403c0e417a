import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import { type JobChannel, type JobEvents, type JobFiles, type JobMessage, JobProcess } from './job-process.js';

/**
 * One job process for the whole server, however many workers serve pages. The primary keeps it;
 * a worker hands it jobs through the primary and hears back when they finish. With a job
 * process per worker, an import's check and its write could land in different processes, and
 * the write then had to check 100,000 rows again (see imports/kept-check.ts); and every job
 * process holds its own heap and page cache.
 */

type FromWorker = { roster: 'job' } & JobMessage;
type ToWorker = { roster: 'job-finished'; jobId: string } | { roster: 'job-process-lost' };

const isJob = (message: unknown): message is FromWorker => (message as FromWorker | null)?.roster === 'job';

function tellWorkers(message: ToWorker): void {
  for (const worker of Object.values(cluster.workers ?? {})) {
    if (worker?.isConnected()) worker.send(message);
  }
}

/** In the primary: runs the jobs every worker sends, and tells them all when each finishes. */
export function relayJobs(files: JobFiles, log: FastifyBaseLogger): { warm(): void; close(): Promise<void> } {
  const jobs = new JobProcess(files, log, {
    finished: (jobId) => tellWorkers({ roster: 'job-finished', jobId }),
    lost: () => tellWorkers({ roster: 'job-process-lost' }),
  });
  cluster.on('message', (_worker, message: unknown) => {
    if (isJob(message)) jobs.send({ jobId: message.jobId, requestId: message.requestId });
  });
  return { warm: () => jobs.warm(), close: () => jobs.close() };
}

/** In a worker: the channel to the job process the primary keeps. */
export function throughPrimary(events: JobEvents): JobChannel {
  process.on('message', (message: ToWorker) => {
    if (message?.roster === 'job-finished') events.finished(message.jobId);
    else if (message?.roster === 'job-process-lost') events.lost();
  });
  return {
    send: (job) => process.send!({ roster: 'job', ...job } satisfies FromWorker),
    // The primary starts the job process once the workers listen, and closes it last.
    warm: () => {},
    hold: () => {},
    close: async () => {},
  };
}
