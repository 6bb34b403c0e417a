import type Database from 'better-sqlite3';
import type { Queryable } from './connection.js';
import { clientOf, prepared } from './statements.js';

/**
 * What one connection has seen of the database, as a string that changes whenever the data
 * may have: SQLite's data_version moves when another connection (another worker, a job, the
 * command line) commits, and total_changes() counts this connection's own writes, triggers
 * included. A value worked out from the data stays right for as long as the stamp is the same,
 * so caches keyed on it need no code that remembers to clear them after each kind of write.
 */
export function changeStamp(db: Queryable): string {
  const row = prepared(
    db,
    'select (select data_version from pragma_data_version) as v, total_changes() as t',
  ).get() as {
    v: number;
    t: number;
  };
  return `${row.v}.${row.t}`;
}

interface Entries<T> {
  stamp: string;
  values: Map<string, { value: T; until: number }>;
}

/** A kept value, or the means to keep one worked out from the data as it was looked up. */
export interface Lookup<T> {
  hit?: { value: T };
  keep(value: T): void;
}

/**
 * Values computed from the data, per connection, kept until it changes (and at most `ttlMs`, for
 * values that also depend on the clock). The oldest entry goes first once `size` is reached.
 * With `idle` the time counts from the last use instead: for values that depend on the data
 * alone and are only let go to free memory, so one in constant use is never recomputed while
 * nothing changes.
 */
export class UntilChanged<T> {
  private readonly byConnection = new WeakMap<Database.Database, Entries<T>>();

  constructor(
    private readonly size: number,
    private readonly ttlMs = Infinity,
    private readonly expiry: 'fixed' | 'idle' = 'fixed',
  ) {}

  /**
   * Look up first, then read the data, then keep: a value is kept only if nothing changed in
   * between, so one read before a change is never kept as if it were read after it.
   */
  lookup(db: Queryable, key: string, now = Date.now()): Lookup<T> {
    const stamp = changeStamp(db);
    const connection = clientOf(db);
    let entries = this.byConnection.get(connection);
    if (entries?.stamp !== stamp) this.byConnection.set(connection, (entries = { stamp, values: new Map() }));
    const { values } = entries;
    const found = values.get(key);
    if (found && now < found.until) {
      if (this.expiry === 'idle') found.until = now + this.ttlMs;
      return { hit: { value: found.value }, keep: () => {} };
    }
    return {
      keep: (value) => {
        if (changeStamp(db) !== stamp) return;
        if (values.size >= this.size) values.delete(values.keys().next().value!);
        values.set(key, { value, until: now + this.ttlMs });
      },
    };
  }

  get(db: Queryable, key: string, compute: () => T, now = Date.now()): T {
    const found = this.lookup(db, key, now);
    if (found.hit) return found.hit.value;
    const value = compute();
    found.keep(value);
    return value;
  }
}
