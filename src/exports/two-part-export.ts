import Database from 'better-sqlite3';
import { createReadStream, createWriteStream, rmSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Actor } from '../access/actor.js';
import type { Db } from '../db/connection.js';
import type { ColumnKey } from '../list/columns.js';
import type { Cursor, ListQuery } from '../list/list-query.js';
import { type ListPlan, planList } from '../list/list-repository.js';
import { csvChunks, keyOfNth } from './export-users.js';

/**
 * An export too large to send at once (it runs as a job) is written by two threads, each half of
 * the list on its own connection: reading a million users in the list's order costs about as
 * much CPU as the whole of a 10 s budget, and a server has more than one core. No library splits
 * a SQLite read across threads, so this does it by hand. A list that turns out too short to
 * split (a search matching a few users) is written by the first thread alone.
 *
 * Both halves must read the same snapshot, or a user renamed meanwhile could land in both or
 * neither. A third connection takes the write lock for the moment the two read transactions
 * start: no commit can fall between them, so they see the same data; the lock is let go at once.
 */

/** How long the first half waits for the second to start reading before it gives up. */
const START_TIMEOUT_MS = 30_000;

/** Slots of the memory the two threads share. */
export const SIGNAL = { stage: 0, written: 1 } as const;
export const STAGE = { starting: 0, go: 1, reading: 2, done: 3, failed: 4 } as const;

export interface SecondHalfData {
  databaseFile: string;
  actorId: number;
  query: string;
  columns: ColumnKey[];
  file: string;
  signals: SharedArrayBuffer;
  port: MessagePort;
}

/** Where the second half starts; none when the list proved too short to split. */
export interface SecondHalfStart {
  after: Cursor | undefined;
}

export interface ExportJob {
  db: Db;
  actor: Actor;
  /** The list query as its string, for the second thread, and parsed. */
  queryString: string;
  query: ListQuery;
  columns: ColumnKey[];
  /** The file to write; the second half goes to a file beside it and is appended at the end. */
  file: string;
  fd: number;
  /** Reports how many users are written so far, of how many (the count may be an estimate). */
  progress(written: number, total: number): void;
}

const compiled = !import.meta.url.endsWith('.ts');
const SECOND_HALF = new URL(compiled ? './second-half.js' : './second-half.ts', import.meta.url);

/** Starts the second half's thread and waits until its connection is open. */
async function startSecondHalf(job: ExportJob, file: string) {
  const signals = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const { port1, port2 } = new MessageChannel();
  const data: SecondHalfData = {
    databaseFile: job.db.$client.name,
    actorId: job.actor.id,
    query: job.queryString,
    columns: job.columns,
    file,
    signals,
    port: port2,
  };
  // Its garbage is short-lived text: a small young generation keeps the thread's memory small.
  const worker = new Worker(SECOND_HALF, {
    workerData: data,
    transferList: [port2],
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const finished = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`The export's second thread stopped (${code}).`)),
    );
  });
  await Promise.race([new Promise((resolve) => worker.once('message', resolve)), finished]);
  return { state: new Int32Array(signals), port: port1, finished, stop: () => worker.terminate() };
}

/** Writes the export in two halves; returns how many users it holds. */
export async function writeInTwoParts(job: ExportJob): Promise<number> {
  const secondFile = `${job.file}.second`;
  const second = await startSecondHalf(job, secondFile);
  let written = 0;
  try {
    const lock = new Database(job.db.$client.name, { timeout: START_TIMEOUT_MS });
    lock.exec('begin immediate');
    const split = job.db.transaction((tx) => {
      let plan: ListPlan;
      let after: Cursor | undefined;
      let half = 0;
      try {
        // Inside the lock: the first read fixes this half's snapshot.
        plan = planList(tx, job.actor, job.query);
        half = Math.floor(plan.count.value / 2);
        after = half === 0 ? undefined : keyOfNth(tx, plan, job.query, half);
        second.port.postMessage({ after } satisfies SecondHalfStart);
        Atomics.store(second.state, SIGNAL.stage, STAGE.go);
        Atomics.notify(second.state, SIGNAL.stage);
        if (after) Atomics.wait(second.state, SIGNAL.stage, STAGE.go, START_TIMEOUT_MS);
      } finally {
        lock.exec('commit');
        lock.close();
      }
      if (after && Atomics.load(second.state, SIGNAL.stage) !== STAGE.reading)
        throw new Error('The second half of the export did not start.');
      for (const chunk of csvChunks(tx, plan, job.query, job.columns, { limit: after ? half : undefined })) {
        writeSync(job.fd, chunk.text);
        written += chunk.rows;
        job.progress(written + Atomics.load(second.state, SIGNAL.written), plan.count.value);
      }
      return after !== undefined;
    });
    await second.finished;
    if (split) {
      written += Atomics.load(second.state, SIGNAL.written);
      await pipeline(createReadStream(secondFile), createWriteStream(job.file, { fd: job.fd, autoClose: false }));
    }
    return written;
  } catch (err) {
    await second.stop();
    throw err;
  } finally {
    rmSync(secondFile, { force: true });
  }
}
