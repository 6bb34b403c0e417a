import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { JobBoard } from './board.js';

export interface JobFiles {
  databaseFile: string;
  /** Where requests leave files for jobs to read (uploaded imports), and jobs write theirs (exports). */
  dataDir: string;
  boardFile: string;
  secret: string;
  logLevel: string;
  /** The module that registers every kind of job: the thread loads it before its first job. */
  handlersModule: string;
}

/** What the job thread says back: a job it has finished (or failed). */
export interface JobFinished {
  jobId: string;
}

/**
 * How the job thread starts. Compiled (npm start runs dist/), it is plain JavaScript. From the
 * TypeScript sources (tests, the bench, npm run dev) the thread loads them through tsx, as the
 * main thread does; tsx is then looked up only here, so production needs no transpiler.
 */
function startThread(workerData: JobFiles): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const entry = new URL('./worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true, workerData },
  );
}

/**
 * Runs jobs off the request path, one after another, in a worker thread with its own database
 * connection: better-sqlite3 is synchronous, so a transaction over 100,000 users would otherwise
 * stall every page this process serves. The thread starts with the first job and stays.
 */
export class JobRunner {
  private worker?: Worker;
  /** Jobs handed to the thread and not yet finished, with whoever waits for each. */
  private readonly pending = new Map<string, (() => void)[]>();

  constructor(
    private readonly board: JobBoard,
    private readonly files: JobFiles,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(job: { kind: string; title: string; actorId: number; params: unknown; requestId: string }): string {
    const id = this.board.create(job);
    this.pending.set(id, []);
    const thread = this.thread();
    // While work is under way the thread keeps the process alive; idle, it never does.
    thread.ref();
    thread.postMessage({ jobId: id, requestId: job.requestId });
    return id;
  }

  /**
   * Starts the thread ahead of the first job, so that job does not wait for the thread to load
   * (about half a second). The server does this once it listens; tests start it on demand.
   */
  warm(): void {
    this.thread();
  }

  /** Resolves once the job has finished or failed (tests and the benchmark wait on it). */
  finished(jobId: string): Promise<void> {
    const waiters = this.pending.get(jobId);
    if (!waiters) return Promise.resolve();
    return new Promise((resolve) => waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private settle(jobId: string): void {
    for (const resolve of this.pending.get(jobId) ?? []) resolve();
    this.pending.delete(jobId);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startThread(this.files);
    worker.unref();
    worker.on('message', (message: JobFinished) => this.settle(message.jobId));
    worker.on('error', (err) => this.log.error({ err }, 'job thread failed'));
    worker.on('exit', () => {
      // Whatever was queued there will not run: say so rather than leave a bar that never moves.
      for (const jobId of this.pending.keys()) {
        this.board.fail(jobId, 'The work stopped unexpectedly. Nothing was changed.');
        this.settle(jobId);
      }
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
