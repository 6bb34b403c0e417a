import { and, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, oneRow } from '../db/statements.js';
import { normalize } from '../text.js';
import { auditVisibleTo, readsWholeAuditLog } from '../access/scope.js';
import { type AuditCursor, type AuditQuery, nextDay } from './audit-query.js';
import { type DateWords, dateWords } from '../dates.js';
import type { Actor } from '../access/actor.js';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditRow {
  id: number;
  at: Date;
  actorId: number | null;
  actorName: string;
  action: string;
  targetUserId: number | null;
  targetName: string;
  changes: Record<string, [unknown, unknown]> | null;
  detail: string;
  requestId: string;
}

export interface AuditPage {
  rows: AuditRow[];
  /** Where the newer and older neighbouring pages start; undefined at either end of the log. */
  newer?: AuditCursor;
  older?: AuditCursor;
  /** A cursor led past the oldest entry (an edited URL): nothing to show on this page. */
  pastEnd: boolean;
}

interface RawRow {
  id: number;
  at: number;
  actorId: number | null;
  actorName: string;
  action: string;
  targetUserId: number | null;
  targetName: string;
  changes: string | null;
  detail: string;
  requestId: string;
}

const COLUMNS = sql`audit_entries.id, audit_entries.at, audit_entries.actor_id as actorId,
  audit_entries.actor_name as actorName, audit_entries.action, audit_entries.target_user_id as targetUserId,
  audit_entries.target_name as targetName, audit_entries.changes, audit_entries.detail,
  audit_entries.request_id as requestId`;

/**
 * The entries the actor may read, as the access policy decides (auditVisibleTo). Reading the
 * whole log needs no join to users, which keeps a superuser's pages cheap.
 */
function scoped(actor: Actor): { from: SQL; where: SQL | undefined } {
  if (readsWholeAuditLog(actor)) return { from: sql`audit_entries`, where: undefined };
  return {
    from: sql`audit_entries left join users on users.id = audit_entries.target_user_id`,
    where: auditVisibleTo(actor),
  };
}

function contains(column: SQL, value: string): SQL | undefined {
  if (value === '') return undefined;
  const escaped = normalize(value).replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql`fold(${column}) like ${`%${escaped}%`} escape '\\'`;
}

/** Days are the reader's: "from 27 Nov" in Oslo starts at 23:00 UTC the evening before. */
function filterConditions(query: AuditQuery, dates: DateWords): (SQL | undefined)[] {
  const f = query.filters;
  return [
    contains(sql`audit_entries.actor_name`, f.actor),
    contains(sql`audit_entries.target_name`, f.target),
    f.action ? sql`audit_entries.action = ${f.action}` : undefined,
    f.from ? sql`audit_entries.at >= ${dates.dayStart(f.from)}` : undefined,
    f.to ? sql`audit_entries.at < ${dates.dayStart(nextDay(f.to))}` : undefined,
  ];
}

/**
 * Entries strictly older ('after' in the newest-first order) or newer than a key. Written as a
 * row value so SQLite seeks the (at, id) index; the equivalent OR of two comparisons, with bound
 * parameters, makes it scan the index from the start.
 */
function beyond(key: { at: number; id: number }, direction: AuditCursor['direction']): SQL {
  return direction === 'after'
    ? sql`(audit_entries.at, audit_entries.id) < (${key.at}, ${key.id})`
    : sql`(audit_entries.at, audit_entries.id) > (${key.at}, ${key.id})`;
}

function toRow(raw: RawRow): AuditRow {
  return {
    ...raw,
    at: new Date(raw.at),
    changes: raw.changes === null ? null : (JSON.parse(raw.changes) as Record<string, [unknown, unknown]>),
  };
}

/**
 * One page of the log, newest first, by keyset over (at, id): a page deep in a log that only
 * grows costs what the first page costs. There is no total count, which would read every
 * matching entry; the page only says whether there are newer and older entries.
 */
export function listAuditEntries(
  db: Queryable,
  actor: Actor,
  query: AuditQuery,
  dates: DateWords = dateWords(null),
): AuditPage {
  const scope = scoped(actor);
  const base = [scope.where, ...filterConditions(query, dates)];
  const select = (extra: SQL | undefined, order: 'asc' | 'desc', limit: number) =>
    allRows<RawRow>(
      db,
      sql`select ${COLUMNS} from ${scope.from} where ${and(sql`1`, ...base, extra)}
          order by audit_entries.at ${sql.raw(order)}, audit_entries.id ${sql.raw(order)} limit ${limit}`,
    ).map(toRow);
  const exists = (key: AuditRow, direction: AuditCursor['direction']) =>
    oneRow(
      db,
      sql`select 1 from ${scope.from} where ${and(sql`1`, ...base, beyond(keyOf(key), direction))} limit 1`,
    ) !== undefined;

  const cursor = query.cursor;
  if (cursor?.direction === 'before') {
    const rows = select(beyond(cursor, 'before'), 'asc', AUDIT_PAGE_SIZE + 1);
    // Fewer than a page of newer entries means this is the newest page: show it whole.
    if (rows.length > AUDIT_PAGE_SIZE) {
      const page = rows.slice(0, AUDIT_PAGE_SIZE).reverse();
      return {
        rows: page,
        newer: { direction: 'before', ...keyOf(page[0]!) },
        older: exists(page[page.length - 1]!, 'after')
          ? { direction: 'after', ...keyOf(page[page.length - 1]!) }
          : undefined,
        pastEnd: false,
      };
    }
    return listAuditEntries(db, actor, { ...query, cursor: undefined }, dates);
  }

  const rows = select(cursor ? beyond(cursor, 'after') : undefined, 'desc', AUDIT_PAGE_SIZE + 1);
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  const first = page[0];
  const last = page[page.length - 1];
  return {
    rows: page,
    newer: cursor && first && exists(first, 'before') ? { direction: 'before', ...keyOf(first) } : undefined,
    older: rows.length > AUDIT_PAGE_SIZE && last ? { direction: 'after', ...keyOf(last) } : undefined,
    pastEnd: cursor !== undefined && page.length === 0,
  };
}

function keyOf(row: AuditRow): { at: number; id: number } {
  return { at: row.at.getTime(), id: row.id };
}

/** What happened to one user, newest first, as far as the actor may see: for the user's page. */
export function historyOf(db: Queryable, actor: Actor, userId: number, limit: number): AuditRow[] {
  const scope = scoped(actor);
  return allRows<RawRow>(
    db,
    sql`select ${COLUMNS} from ${scope.from}
        where ${and(sql`1`, scope.where, sql`audit_entries.target_user_id = ${userId}`)}
        order by audit_entries.at desc, audit_entries.id desc limit ${limit}`,
  ).map(toRow);
}
