import { type Db, openDatabase } from '../db/connection.js';

/**
 * The connection bulk jobs write through. It differs from a request's in three ways, each
 * measured on 100,000 users:
 * - Foreign keys are not enforced. SQLite spends about 0.1 ms a row checking a self-referencing
 *   key such as updated_by, which made a bulk update take 11 s instead of 2. Every id a job
 *   writes is checked inside its transaction instead (see referencesExist in bulk/update.ts),
 *   and no job deletes a row another refers to.
 * - A larger page cache (256 MB), so one big transaction's changed pages mostly stay in memory
 *   rather than being written to the log twice. Not larger: the first job in a process pays for
 *   every page of cache it touches for the first time, and at 512 MB that made the first bulk
 *   update after a start take up to twice as long as the next.
 * - A long busy timeout: another job, or a burst of single edits, may hold the write lock.
 * - No checkpoint inside the commit: copying a bulk action's pages from the write-ahead log into
 *   the database takes about a second, and the job process does it once the job has reported
 *   its result (checkpointAfterWrites), rather than the administrator waiting for it.
 */
export function openJobDatabase(file: string): Db {
  const db = openDatabase(file);
  db.$client.pragma('foreign_keys = OFF');
  db.$client.pragma('cache_size = -262144');
  db.$client.pragma('busy_timeout = 60000');
  db.$client.pragma('wal_autocheckpoint = 0');
  return db;
}

/**
 * What the job process does once no job is waiting: moves what the jobs wrote from the
 * write-ahead log into the database, and starts the log again from its beginning. A passive
 * checkpoint gave way to the list pages' readers and often left the log as it was, so the next
 * job appended another hundred megabytes to it, and writing past the log's end made that job's
 * commit three times slower. This waits for readers (for milliseconds) and holds back other
 * writes for the second the copy takes.
 *
 * Only after jobs that wrote: after one that only read (an import's check), copying what others
 * left in the log made the job queued behind it (that import's write) wait a second for nothing
 * of its own.
 */
export function checkpointAfterWrites(db: Db): () => void {
  const changes = db.$client.prepare('select total_changes()').pluck();
  let checkpointed = changes.get();
  return () => {
    const now = changes.get();
    if (now !== checkpointed) db.$client.pragma('wal_checkpoint(RESTART)');
    checkpointed = now;
    // The large cache helps a job while it runs; kept between jobs it is a quarter of a gigabyte
    // of the server's memory holding pages nobody reads (an export reads through the file map).
    db.$client.pragma('shrink_memory');
  };
}
