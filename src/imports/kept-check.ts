import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Actor } from '../access/actor.js';
import type { Db, Queryable } from '../db/connection.js';
import * as schema from '../db/schema.js';
import { clientOf } from '../db/statements.js';
import type { ImportCheck } from './check-rows.js';

/**
 * The preview's check, kept in the job process for the import that follows, so the import need
 * not check 100,000 rows a second time (about a second and a half of CPU) when nothing it read
 * has changed. The check is a function of the rows, the choices, the administrator and what it
 * read from the database; every read is noted as it is made (statement, values bound, answer).
 * Inside the import's transaction the same statements are asked again: if every answer is the
 * same, checking again would ask the same questions and reach the same result, so the kept one
 * is used; if any differs (a user added, a group renamed, a username taken), the rows are
 * checked again as before. Writes elsewhere (sessions, other users) cost nothing this way.
 *
 * Kept in memory only, for one upload at a time and a few minutes: a restarted job process, or
 * a confirmation after that, checks again.
 */

/** How long a kept check waits for its confirmation. */
const KEPT_MS = 10 * 60_000;

type Method = 'get' | 'all';
type Mode = 'rows' | 'pluck' | 'raw';

/** One question the check asked the database, and a digest of its answer. */
interface Read {
  text: string;
  mode: Mode;
  method: Method;
  params: unknown[];
  answer: string;
}

// Wrapped in an array, so that no row found (undefined) has a digest too.
const digest = (value: unknown) =>
  createHash('sha256')
    .update(JSON.stringify([value]))
    .digest('base64url');

/** What the check's result depends on besides the database. */
const inputsKey = (uploadId: string, text: string, actor: Actor, choices: unknown) =>
  digest([
    uploadId,
    createHash('sha256').update(text).digest('base64url'),
    actor.id,
    actor.adminRole,
    actor.scope,
    [...actor.permissions].sort(),
    choices,
  ]);

function ask(statement: Database.Statement, mode: Mode, method: Method, params: unknown[]): unknown {
  // raw(false) leaves plucking off too, so it goes first.
  statement.raw(mode === 'raw');
  if (mode !== 'raw') statement.pluck(mode === 'pluck');
  return method === 'get' ? statement.get(...params) : statement.all(...params);
}

/**
 * A connection for the check to read through: each statement runs on the real connection, and
 * each answer is noted. It only reads; a write through it is a mistake and fails.
 */
class RecordingConnection {
  readonly reads: Read[] = [];
  constructor(private readonly client: Database.Database) {}

  prepare(text: string) {
    const real = this.client.prepare(text);
    if (!real.reader) throw new Error('The import check only reads.');
    let mode: Mode = 'rows';
    const note = (method: Method) => (params: unknown[]) => {
      const answer = ask(real, mode, method, params);
      this.reads.push({ text, mode, method, params, answer: digest(answer) });
      return answer;
    };
    const [get, all] = [note('get'), note('all')];
    const statement = {
      reader: true,
      pluck: (on = true) => ((mode = on ? 'pluck' : mode === 'pluck' ? 'rows' : mode), statement),
      raw: (on = true) => ((mode = on ? 'raw' : mode === 'raw' ? 'rows' : mode), statement),
      get: (...params: unknown[]) => get(params),
      all: (...params: unknown[]) => all(params),
      // Read whole and noted as `all`: the check reads a handful of statements, none unbounded.
      iterate: (...params: unknown[]) => (all(params) as unknown[])[Symbol.iterator](),
      columns: () => real.columns(),
    };
    return statement;
  }
}

interface Kept {
  key: string;
  uploadId: string;
  check: ImportCheck;
  reads: Read[];
  until: number;
}

let kept: Kept | undefined;

/**
 * Runs `check` (the preview's) on a connection that notes what it reads, and keeps its result
 * for the import of this upload with these choices by this administrator.
 */
export function keepCheck(
  db: Queryable,
  upload: { id: string; text: string },
  actor: Actor,
  choices: unknown,
  check: (db: Db) => ImportCheck,
  now = Date.now(),
): ImportCheck {
  kept = undefined;
  const recording = new RecordingConnection(clientOf(db));
  const result = check(drizzle(recording as unknown as Database.Database, { schema }));
  const entry: Kept = {
    key: inputsKey(upload.id, upload.text, actor, choices),
    uploadId: upload.id,
    check: result,
    reads: recording.reads,
    until: now + KEPT_MS,
  };
  kept = entry;
  // A large file's check is a few hundred megabytes: not held once it can no longer be used.
  setTimeout(() => {
    if (kept === entry) kept = undefined;
  }, KEPT_MS).unref();
  return result;
}

/**
 * The kept check of this upload, when it was made from the same text, choices and administrator
 * and every read it made answers the same now; undefined otherwise. Call it inside the import's
 * transaction, so nothing can change between this and the writes. Used once.
 */
export function keptCheck(
  tx: Queryable,
  upload: { id: string; text: string },
  actor: Actor,
  choices: unknown,
  now = Date.now(),
): ImportCheck | undefined {
  const found = kept;
  if (found?.uploadId === upload.id) kept = undefined;
  if (!found || found.uploadId !== upload.id || now > found.until) return undefined;
  if (found.key !== inputsKey(upload.id, upload.text, actor, choices)) return undefined;
  const client = clientOf(tx);
  for (const read of found.reads)
    if (digest(ask(client.prepare(read.text), read.mode, read.method, read.params)) !== read.answer) return undefined;
  return found.check;
}
