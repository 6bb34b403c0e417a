import type { JobBoard } from './board.js';
import type { JobChannel, JobEvents } from './job-process.js';

/**
 * Starts jobs and keeps track of the ones this process started until they finish. The jobs run
 * in the job process (job-process.ts), reached through the channel: forked by this process, or,
 * when the server runs several workers, the one the primary keeps for all of them (relay.ts).
 */
export class JobRunner {
  /** Jobs handed to the job process and not yet finished, with whoever waits for each. */
  private readonly pending = new Map<string, (() => void)[]>();
  private readonly channel: JobChannel;

  constructor(
    private readonly board: JobBoard,
    connect: (events: JobEvents) => JobChannel,
  ) {
    this.channel = connect({
      finished: (jobId) => this.settle(jobId),
      // Whatever was queued there will not run: say so rather than leave a bar that never moves.
      lost: () => {
        for (const jobId of this.pending.keys()) {
          this.board.fail(jobId, 'The work stopped unexpectedly. Nothing was changed.');
          this.settle(jobId);
        }
      },
    });
  }

  start(job: { kind: string; title: string; actorId: number; params: unknown; requestId: string }): string {
    const id = this.board.create(job);
    this.pending.set(id, []);
    this.channel.send({ jobId: id, requestId: job.requestId });
    this.channel.hold(true);
    return id;
  }

  /**
   * Starts the job process ahead of the first job, so that job does not wait for it to load
   * (about half a second). The server does this once it listens; tests start it on demand.
   */
  warm(): void {
    this.channel.warm();
  }

  /** Resolves once the job has finished or failed (tests and the benchmark wait on it). */
  finished(jobId: string): Promise<void> {
    const waiters = this.pending.get(jobId);
    if (!waiters) return Promise.resolve();
    return new Promise((resolve) => waiters.push(resolve));
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private settle(jobId: string): void {
    const waiters = this.pending.get(jobId);
    // Finished jobs are told to every worker: only the one that started this job waits for it.
    if (!waiters) return;
    for (const resolve of waiters) resolve();
    this.pending.delete(jobId);
    if (this.pending.size === 0) this.channel.hold(false);
  }
}
