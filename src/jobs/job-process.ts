import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';

export interface JobFiles {
  databaseFile: string;
  /** Where requests leave files for jobs to read (uploaded imports), and jobs write theirs (exports). */
  dataDir: string;
  boardFile: string;
  secret: string;
  logLevel: string;
  /** The module that registers every kind of job: the job process loads it before its first job. */
  handlersModule: string;
  /** Above this much memory of its own after a job, the job process asks to be replaced (JOB_PROCESS_MEGABYTES). */
  retireAboveMegabytes: number;
}

/** A job for the job process to run, by its id on the board. */
export interface JobMessage {
  jobId: string;
  requestId: string;
}

/** What the job process is told: first the files, then one message per job. */
export type ToJobProcess = { files: JobFiles } | JobMessage;
/**
 * What the job process says back: a job it has finished (or failed); or, once idle, that it holds
 * more memory than it should, and would rather be replaced.
 */
export type FromJobProcess = { jobId: string } | { heavy: true };

/** What happens in the job process that whoever started a job waits for. */
export interface JobEvents {
  finished(jobId: string): void;
  /** The process ended: the jobs it had not finished will not run. */
  lost(): void;
}

/** How the runner reaches the job process: directly (JobProcess) or through the primary (relay.ts). */
export interface JobChannel {
  send(job: JobMessage): void;
  /** Starts the job process ahead of the first job. */
  warm(): void;
  /** Whether this process must stay alive for jobs it is waiting on. */
  hold(busy: boolean): void;
  close(): Promise<void>;
}

/**
 * How much less the job process matters to the operating system's scheduler than the processes
 * serving pages (a nice value; 19 is the least). On two cores a bulk update otherwise takes a
 * core from the pages at its start, commit and checkpoint, and the list's p95 went from 20 ms to
 * a second meanwhile; at this priority the pages come first and the job uses what is left.
 */
export const JOB_NICENESS = 10;

/** How long a closing process waits for the job process to end by itself before ending it. */
const CLOSE_GRACE_MS = 5_000;

/**
 * How the job process's heap grows, as V8 flags. An export makes a million rows of short-lived
 * text; V8 keeps its young generation at the largest it grew to, and lets the old one grow up
 * to fourfold between collections with what the young one promoted. With a young
 * generation of 8 MB a semi-space (the default is 16) and old-generation growth capped at
 * twice, the process peaked at about 120 MB during an export of a million users instead of
 * about 190, for about half a second more; an import of 100,000 rows pays for a few more
 * collections.
 */
const HEAP_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=100'];

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
  return fork(entry, [], { execArgv: compiled ? HEAP_FLAGS : [...loader, ...HEAP_FLAGS], serialization: 'advanced' });
}

/**
 * The process jobs run in, one after another, with its own database connection, at a lower
 * priority: better-sqlite3 is synchronous, so a transaction over 100,000 users would otherwise
 * stall every page the serving process answers, and even on another thread it competed with
 * them for the CPU. It starts with the first job (or warm()) and stays; after it ends, the next
 * job starts another.
 *
 * A large job leaves the process holding hundreds of megabytes it no longer uses: V8 and the C
 * library keep what they once took, and nothing in Node gives it back. So a process that says
 * it is heavy, once it has nothing left to do, is let go and a fresh one started in its place.
 */
export class JobProcess implements JobChannel {
  private child?: ChildProcess;
  /** Jobs sent to the current process and not yet finished. */
  private inFlight = 0;

  constructor(
    private readonly files: JobFiles,
    private readonly log: FastifyBaseLogger,
    private readonly events: JobEvents,
  ) {}

  send(job: JobMessage): void {
    const child = this.process();
    this.inFlight++;
    child.send(job satisfies ToJobProcess);
  }

  warm(): void {
    this.process();
  }

  /** While work is under way the job process keeps this process alive; idle, it never does. */
  hold(busy: boolean): void {
    const child = this.child;
    if (!child) return;
    if (busy) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    // Held, so this process waits for the exit it asked for instead of ending first. Closing the
    // channel lets the job process end by itself (see worker.ts), as a normal exit; a signal is
    // the fallback for one that does not.
    this.hold(true);
    child.disconnect();
    const stubborn = setTimeout(() => child.kill(), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(stubborn);
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
    child.on('message', (message: FromJobProcess) => {
      if ('jobId' in message) {
        this.inFlight--;
        this.events.finished(message.jobId);
      } else if (child === this.child && this.inFlight === 0) {
        // Idle here, so nothing waits in it: sent a job since, it would have said so after that.
        this.replace(child);
      }
    });
    child.on('error', (err) => this.log.error({ err }, 'job process failed'));
    child.on('exit', () => {
      // A replaced process ends as asked, with nothing left to do.
      if (child !== this.child) return;
      this.child = undefined;
      this.inFlight = 0;
      this.events.lost();
    });
    this.child = child;
    this.inFlight = 0;
    this.hold(false);
    return child;
  }

  /** Lets the process end (closing its channel ends it, see worker.ts) and starts the next at once. */
  private replace(child: ChildProcess): void {
    this.child = undefined;
    child.disconnect();
    this.process();
  }
}
