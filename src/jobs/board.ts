import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { Sealer } from '../sealed.js';
import { createPrivateFile } from '../storage/data-dir.js';

/**
 * The job board: where long work (bulk actions over many users) is queued and reports progress.
 *
 * It is a small SQLite file of its own next to the main database, for one reason: a bulk action
 * is one transaction on the main database, and while it holds the write lock nothing else can
 * commit there — progress written to the main file would appear only once the work is over.
 * A separate file has its own lock, so every process serving pages sees the bar move. What the
 * work changed is recorded in the audit log; the board holds only transient state, and is safe
 * to delete while Roster is stopped.
 */

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobSummary {
  /** One sentence: what happened. */
  headline: string;
  /** What to know or do next, beneath the headline. */
  note?: string;
  counts: { label: string; value: number }[];
  /** Users the action left alone, and why; the first few only, with how many more. */
  refused: { id: number; name: string; reason: string }[];
  refusedMore: number;
  /** Where to go next, e.g. back to the list or to restore what was deleted. */
  links: JobLink[];
}

export interface JobLink {
  label: string;
  href: string;
  /** A button that posts these fields, for a next step that changes something. */
  method?: 'post';
  fields?: Record<string, string>;
}

export interface Job {
  id: string;
  kind: string;
  title: string;
  actorId: number;
  state: JobState;
  phase: string;
  done: number;
  total: number;
  params: unknown;
  summary: JobSummary | null;
  error: string | null;
  /** Whether the job produced secrets (temporary passwords) that are still kept. */
  hasSecret: boolean;
  /** Whether the kept secrets have been shown on the page already (they are shown once). */
  secretShown: boolean;
  pid: number;
  createdAt: number;
  finishedAt: number | null;
}

interface JobRow {
  id: string;
  kind: string;
  title: string;
  actor_id: number;
  state: JobState;
  phase: string;
  done: number;
  total: number;
  params: string;
  summary: string | null;
  error: string | null;
  secret: Buffer | null;
  secret_until: number | null;
  secret_shown: number;
  pid: number;
  created_at: number;
  finished_at: number | null;
}

/** Bump when the table changes: the board is transient, so an old one is simply replaced. */
const BOARD_VERSION = 1;
/** Finished jobs are kept this long, so their summary can be read again later. */
const KEEP_FINISHED_MS = 7 * 24 * 3_600_000;
/** Temporary passwords are kept this long at most, encrypted, for the one who asked for them. */
export const SECRET_KEPT_MS = 15 * 60_000;

export class JobBoard {
  private readonly db: Database.Database;
  private readonly sealer: Sealer;

  constructor(
    file: string,
    secret: string,
    /**
     * The process whose end ends the jobs created here: this one, or the primary that keeps the
     * job process for all the workers. A job whose owner is gone reads as stopped.
     */
    private readonly owner = process.pid,
  ) {
    // Private like the database: it holds job parameters and sealed temporary passwords.
    createPrivateFile(file);
    this.db = new Database(file);
    // First: every worker opens the board at once on a first start, and turning on WAL or
    // creating the table waits for whichever got there first instead of failing.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = WAL');
    // Progress is not precious: a lost update after a power cut is redrawn by the next one.
    this.db.pragma('synchronous = NORMAL');
    // Secrets are encrypted at rest, so the board file alone reveals none.
    this.sealer = new Sealer(secret, 'roster job secrets');
    const current = () => this.db.pragma('user_version', { simple: true }) === BOARD_VERSION;
    if (!current()) {
      // Holding the write lock from the start, and asking again under it: a worker that waited
      // for another's upgrade finds it done, rather than dropping the table just made.
      this.db
        .transaction(() => {
          if (current()) return;
          this.db.exec('drop table if exists jobs');
          this.db.exec(`create table jobs (
          id text primary key, kind text not null, title text not null, actor_id integer not null,
          state text not null, phase text not null default '', done integer not null default 0,
          total integer not null default 0, params text not null, summary text, error text,
          secret blob, secret_until integer, secret_shown integer not null default 0, pid integer not null, created_at integer not null,
          finished_at integer)`);
          this.db.pragma(`user_version = ${BOARD_VERSION}`);
        })
        .immediate();
    }
  }

  create(job: { kind: string; title: string; actorId: number; params: unknown }, now = Date.now()): string {
    const id = randomUUID();
    this.db
      .prepare(
        `insert into jobs (id, kind, title, actor_id, state, params, pid, created_at)
         values (?, ?, ?, ?, 'queued', ?, ?, ?)`,
      )
      .run(id, job.kind, job.title, job.actorId, JSON.stringify(job.params), this.owner, now);
    this.db.prepare('delete from jobs where finished_at < ?').run(now - KEEP_FINISHED_MS);
    return id;
  }

  get(id: string, now = Date.now()): Job | undefined {
    const row = this.db.prepare('select * from jobs where id = ?').get(id) as JobRow | undefined;
    if (!row) return undefined;
    if (row.secret && (row.secret_until ?? 0) <= now) {
      this.forgetSecret(id);
      row.secret = null;
    }
    if ((row.state === 'running' || row.state === 'queued') && !processAlive(row.pid)) {
      // SQLite rolled the unfinished transaction back when the process went away.
      this.fail(id, 'Roster stopped before this work finished. Nothing was changed.');
      return this.get(id, now);
    }
    return {
      id: row.id,
      kind: row.kind,
      title: row.title,
      actorId: row.actor_id,
      state: row.state,
      phase: row.phase,
      done: row.done,
      total: row.total,
      params: JSON.parse(row.params) as unknown,
      summary: row.summary ? (JSON.parse(row.summary) as JobSummary) : null,
      error: row.error,
      hasSecret: row.secret !== null,
      secretShown: row.secret_shown === 1,
      pid: row.pid,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
    };
  }

  /** Jobs queued or running now, oldest first (a job whose process went away is marked failed). */
  unfinished(now = Date.now()): Job[] {
    const ids = this.db
      .prepare(`select id from jobs where state in ('queued', 'running') order by created_at, id`)
      .pluck()
      .all() as string[];
    return ids.flatMap((id) => {
      const job = this.get(id, now);
      return job && (job.state === 'queued' || job.state === 'running') ? [job] : [];
    });
  }

  progress(id: string, phase: string, done: number, total: number): void {
    this.db
      .prepare(`update jobs set state = 'running', phase = ?, done = ?, total = ? where id = ?`)
      .run(phase, done, total, id);
  }

  finish(id: string, summary: JobSummary, secret?: unknown, now = Date.now()): void {
    this.db
      .prepare(
        `update jobs set state = 'done', summary = ?, secret = ?, secret_until = ?, finished_at = ?,
           done = total where id = ?`,
      )
      .run(
        JSON.stringify(summary),
        secret === undefined ? null : this.sealer.seal(secret),
        secret === undefined ? null : now + SECRET_KEPT_MS,
        now,
        id,
      );
  }

  fail(id: string, error: string, now = Date.now()): void {
    this.db
      .prepare(`update jobs set state = 'failed', error = ?, finished_at = ?, secret = null where id = ?`)
      .run(error, now, id);
  }

  /** The job's secrets for the page, the first time only; afterwards undefined. */
  showSecretOnce(id: string, now = Date.now()): unknown {
    const secret = this.keptSecret(id, 'secret_shown = 0', now);
    if (secret !== undefined) this.db.prepare('update jobs set secret_shown = 1 where id = ?').run(id);
    return secret;
  }

  /** The job's secrets for a download, which then forgets them. */
  takeSecret(id: string, now = Date.now()): unknown {
    const secret = this.keptSecret(id, '1', now);
    this.forgetSecret(id);
    return secret;
  }

  private keptSecret(id: string, condition: string, now: number): unknown {
    const row = this.db
      .prepare(`select secret from jobs where id = ? and secret_until > ? and ${condition}`)
      .get(id, now) as Pick<JobRow, 'secret'> | undefined;
    return row?.secret ? this.sealer.open(row.secret) : undefined;
  }

  forgetSecret(id: string): void {
    this.db.prepare('update jobs set secret = null, secret_until = null where id = ?').run(id);
  }

  close(): void {
    this.db.close();
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
