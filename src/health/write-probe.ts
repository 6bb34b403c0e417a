import type Database from 'better-sqlite3';
import { statfsSync } from 'node:fs';
import { type WriteFault, writeFaultOf } from '../storage/faults.js';

/** The answer is kept this long: health checks and error pages may come in floods. */
const KEPT_MS = 1_500;
/** Below this much free space a write of any size may fail: count the disk as full. */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Whether the database can be written right now, asked cheaply. Reading proves little: a full
 * disk, or storage remounted read-only, still answers every SELECT. So the probe writes one
 * page-sized row in a transaction it rolls back, which allocates a page (and fails as a real
 * write would when the database may not grow or is read-only) yet leaves nothing behind. A
 * rolled-back write never reaches the log on disk, so the free space is looked at as well.
 */
export class WriteProbe {
  private kept: { at: number; fault: WriteFault | undefined } | undefined;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly dataDir: string,
  ) {}

  /** Why writes fail now, or undefined while they work. */
  fault(now = Date.now()): WriteFault | undefined {
    if (this.kept && now - this.kept.at < KEPT_MS) return this.kept.fault;
    const fault = this.diskFull() ? 'full' : this.probe();
    this.kept = { at: now, fault };
    return fault;
  }

  private diskFull(): boolean {
    try {
      const { bavail, bsize } = statfsSync(this.dataDir);
      return bavail * bsize < MIN_FREE_BYTES;
    } catch {
      return false; // Not every file system reports its free space; the probe still runs.
    }
  }

  private probe(): WriteFault | undefined {
    const sqlite = this.sqlite;
    let busyTimeout: number | undefined;
    try {
      // A job holding the write lock is no fault: give way at once instead of waiting it out.
      busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
      sqlite.pragma('busy_timeout = 0');
      sqlite.exec('begin immediate');
      try {
        const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
        sqlite
          .prepare("insert into sessions (sid, user_id, data, expires_at) values ('write-probe', null, ?, 0)")
          .run(Buffer.alloc(pageSize));
      } finally {
        // SQLite may already have rolled back on its own after a failed write.
        if (sqlite.inTransaction) sqlite.exec('rollback');
      }
      return undefined;
    } catch (error) {
      return writeFaultOf(error);
    } finally {
      if (busyTimeout !== undefined) sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }
}
