import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import type { JobBoard } from './board.js';

export interface JobFiles {
  databaseFile: string;
  /** Where requests leave files for jobs to read (uploaded imports), and jobs write theirs (exports). */
  dataDir: string;
  boardFile: string;
  secret: string;
  logLevel: string;
  /** The module that registers every kind of job: the job process loads it before its first job. */
  handlersModule: string;
}

/** What the runner tells the job process: first the files, then one message per job. */
export type ToJobProcess = { files: JobFiles } | { jobId: string; requestId: string };
/** What the job process says back: a job it has finished (or failed). */
export interface JobFinished {
  jobId: string;
}

/**
 * How much less the job process matters to the operating system's scheduler than the processes
 * serving pages (a nice value; 19 is the least). On two cores a bulk update otherwise takes a
 * core from the pages at its start, commit and checkpoint, and the list's p95 went from 20 ms to
 * a second meanwhile; at this priority the pages come first and the job uses what is left.
 */
export const JOB_NICENESS = 10;

/** How long a closing runner waits for the job process to end by itself before ending it. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Starts the job process. Compiled (npm start runs dist/), it is plain JavaScript. From the
 * TypeScript sources (npm run dev, the tests) it loads them the way this process does: with the
 * same loader flags (tsx, or the test runner's own, which also counts the job process's code
 * in the coverage), or through tsx when there are none. Production runs no transpiler.
 */
function startProcess(): ChildProcess {
  const compiled = !import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(compiled ? './worker.js' : './worker.ts', import.meta.url));
  const loader = process.execArgv.length > 0 ? process.execArgv : ['--import', 'tsx'];
  return fork(entry, [], { execArgv: compiled ? [] : loader, serialization: 'advanced' });
}

/**
 * Runs jobs off the request path, one after another, in a process of its own with its own
 * database connection, at a lower priority: better-sqlite3 is synchronous, so a transaction
 * over 100,000 users would otherwise stall every page this process serves, and even on another
 * thread it competed with them for the CPU. The process starts with the first job and stays.
 */
export class JobRunner {
  private child?: ChildProcess;
  /** Jobs handed to the process and not yet finished, with whoever waits for each. */
  private readonly pending = new Map<string, (() => void)[]>();

  constructor(
    private readonly board: JobBoard,
    private readonly files: JobFiles,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(job: { kind: string; title: string; actorId: number; params: unknown; requestId: string }): string {
    const id = this.board.create(job);
    this.pending.set(id, []);
    const child = this.process();
    // While work is under way the job process keeps the server alive; idle, it never does.
    this.hold(child, true);
    child.send({ jobId: id, requestId: job.requestId } satisfies ToJobProcess);
    return id;
  }

  /**
   * Starts the job process ahead of the first job, so that job does not wait for it to load
   * (about half a second). The server does this once it listens; tests start it on demand.
   */
  warm(): void {
    this.process();
  }

  /** Resolves once the job has finished or failed (tests and the benchmark wait on it). */
  finished(jobId: string): Promise<void> {
    const waiters = this.pending.get(jobId);
    if (!waiters) return Promise.resolve();
    return new Promise((resolve) => waiters.push(resolve));
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    // Held, so this process waits for the exit it asked for instead of ending first. Closing the
    // channel lets the job process end by itself (see worker.ts), as a normal exit; a signal is
    // the fallback for one that does not.
    this.hold(child, true);
    child.disconnect();
    const stubborn = setTimeout(() => child.kill(), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(stubborn);
  }

  private hold(child: ChildProcess, busy: boolean): void {
    if (busy) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }

  private settle(jobId: string): void {
    for (const resolve of this.pending.get(jobId) ?? []) resolve();
    this.pending.delete(jobId);
    if (this.pending.size === 0 && this.child) this.hold(this.child, false);
  }

  private process(): ChildProcess {
    if (this.child) return this.child;
    const child = startProcess();
    try {
      setPriority(child.pid!, JOB_NICENESS);
    } catch (err) {
      this.log.warn({ err }, 'the job process runs at normal priority');
    }
    child.send({ files: this.files } satisfies ToJobProcess);
    this.hold(child, false);
    child.on('message', (message: JobFinished) => this.settle(message.jobId));
    child.on('error', (err) => this.log.error({ err }, 'job process failed'));
    child.on('exit', () => {
      // Whatever was queued there will not run: say so rather than leave a bar that never moves.
      for (const jobId of this.pending.keys()) {
        this.board.fail(jobId, 'The work stopped unexpectedly. Nothing was changed.');
        this.settle(jobId);
      }
      this.child = undefined;
    });
    this.child = child;
    return child;
  }
}
