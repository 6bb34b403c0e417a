import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Queryable } from './connection.js';

/**
 * Compiled statements, reused. drizzle compiles every query it runs afresh, and on a list page
 * preparing the statements cost more than running them. The hot paths (sessions, the signed-in
 * administrator, list pages) go through here: the SQL text is the key, so each shape of query
 * is prepared once per connection.
 */
const dialect = new SQLiteSyncDialect();
const caches = new WeakMap<object, Map<string, Database.Statement>>();
const CACHE_SIZE = 500;

/** The better-sqlite3 connection under a drizzle database or transaction (both keep it there). */
export function clientOf(db: Queryable): Database.Database {
  return (db as unknown as { session: { client: Database.Database } }).session.client;
}

/**
 * The compiled statement for this SQL text, from the same cache. For loops that run one
 * statement many times: compiling even the drizzle query to its text then costs more than
 * running it, so the loop keeps the text and binds plain values.
 */
export function prepared(db: Queryable, text: string): Database.Statement {
  const client = clientOf(db);
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  let stmt = cache.get(text);
  if (!stmt) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    stmt = client.prepare(text);
    cache.set(text, stmt);
  }
  return stmt;
}

function statement(db: Queryable, query: SQL): { stmt: Database.Statement; params: unknown[] } {
  const { sql, params } = dialect.sqlToQuery(query);
  return { stmt: prepared(db, sql), params };
}

export function allRows<T>(db: Queryable, query: SQL): T[] {
  const { stmt, params } = statement(db, query);
  return stmt.all(...params) as T[];
}

export function oneRow<T>(db: Queryable, query: SQL): T | undefined {
  const { stmt, params } = statement(db, query);
  return stmt.get(...params) as T | undefined;
}

export function run(db: Queryable, query: SQL): Database.RunResult {
  const { stmt, params } = statement(db, query);
  return stmt.run(...params);
}
