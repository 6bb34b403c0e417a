import type { Actor } from '../access/actor.js';
import type { Db } from '../db/connection.js';
import type { Outbox } from '../mail/queue.js';
import type { JobSummary } from './board.js';
import { JobRefusedError } from './refused.js';

/** Reports progress: a phase in words, and how far along it is. */
export type Progress = (phase: string, done: number, total: number) => void;

/** What a job's work is given: its own connection, the administrator who asked, and a progress line. */
export interface JobContext<P> {
  jobId: string;
  db: Db;
  actor: Actor;
  params: P;
  requestId: string;
  progress: Progress;
  /** Mail a job queues goes in its own transaction, through here. */
  outbox: Outbox;
  /** DATA_DIR: where a job that makes a file (an export) writes it, and where a request leaves files for its job (an uploaded import). */
  dataDir: string;
  /** The server's secret, from which a job opens what a setting keeps sealed (the directory's bind password). */
  secret?: string;
}

export interface JobOutcome {
  summary: JobSummary;
  /** Shown once to the administrator, kept encrypted for a short while (temporary passwords). */
  secret?: unknown;
  /**
   * The job left something in the job process for the one that follows (an import's check, for
   * its write): the process is kept after it, however much memory it holds.
   */
  keepsMemory?: boolean;
}

export type JobHandler<P = never> = (context: JobContext<P>) => JobOutcome | Promise<JobOutcome>;

/**
 * The kinds of job, learnt at start-up: each feature registers its handlers (see
 * src/job-handlers.ts), so the job runner knows no feature and no feature is imported by it.
 */
const handlers = new Map<string, JobHandler<unknown>>();

export function registerJobHandlers(byKind: Record<string, JobHandler<never>>): void {
  for (const [kind, handler] of Object.entries(byKind)) handlers.set(kind, handler as JobHandler<unknown>);
}

export const jobHandler = (kind: string) => handlers.get(kind);

/**
 * A handler that runs only while the administrator still may: their permissions are read
 * again when the job starts, as their account is, so a permission taken away since the
 * request stops the work before it changes anything.
 */
export function onlyIf<C extends { actor: Actor }, R>(allowed: (actor: Actor) => boolean, handler: (context: C) => R) {
  return (context: C): R => {
    if (!allowed(context.actor)) throw new JobRefusedError('You may no longer do this.');
    return handler(context);
  };
}
