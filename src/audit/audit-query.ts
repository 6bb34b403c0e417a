import { AUDIT_ACTIONS, type AuditAction } from './record.js';
import { type QueryParams as Params, single } from '../query-params.js';

/**
 * URL ⇄ audit log query. The page, its htmx fragment and every pager link go through these pure
 * functions, so a link always reproduces exactly the entries it was made from.
 */

export interface AuditFilters {
  /** Part of the actor's name as recorded; case and accents ignored. */
  actor: string;
  /** Part of the target's name as recorded. */
  target: string;
  action?: AuditAction;
  /** Whole days in the reader's time zone, YYYY-MM-DD, both inclusive. */
  from?: string;
  to?: string;
}

/**
 * Where a page starts in the log, newest first: just older than ('after') or just newer than
 * ('before') the entry with this time and id. The id breaks ties between entries of the same
 * millisecond, so no entry is skipped or shown twice.
 */
export interface AuditCursor {
  direction: 'after' | 'before';
  at: number;
  id: number;
}

export interface AuditQuery {
  filters: AuditFilters;
  cursor?: AuditCursor;
}

export const DAY_MS = 86_400_000;

export function isAuditAction(value: string | undefined): value is AuditAction {
  return value !== undefined && Object.hasOwn(AUDIT_ACTIONS, value);
}

/** A real calendar day as YYYY-MM-DD (so 2026-02-31 is refused rather than rolled over). */
function day(text: string | undefined): string | undefined {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text ? text : undefined;
}

/** The day after a YYYY-MM-DD day, for an inclusive "to" day's end. */
export function nextDay(text: string): string {
  return new Date(Date.parse(`${text}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

function cursor(text: string | undefined, direction: AuditCursor['direction']): AuditCursor | undefined {
  const match = text === undefined ? null : /^(\d{1,15})-(\d{1,15})$/.exec(text);
  return match ? { direction, at: Number(match[1]), id: Number(match[2]) } : undefined;
}

/** Reads the query from URL parameters; anything malformed is ignored, so an old bookmark still opens. */
export function parseAuditQuery(params: Params): AuditQuery {
  const action = single(params, 'action');
  const filters: AuditFilters = {
    actor: (single(params, 'actor') ?? '').slice(0, 200),
    target: (single(params, 'target') ?? '').slice(0, 200),
  };
  if (isAuditAction(action)) filters.action = action;
  const from = day(single(params, 'from'));
  if (from) filters.from = from;
  const to = day(single(params, 'to'));
  if (to) filters.to = to;
  return {
    filters,
    cursor: cursor(single(params, 'after'), 'after') ?? cursor(single(params, 'before'), 'before'),
  };
}

export function isFiltered(query: AuditQuery): boolean {
  const f = query.filters;
  return f.actor !== '' || f.target !== '' || f.action !== undefined || f.from !== undefined || f.to !== undefined;
}

/** The URL of this query, defaults left out; `cursor` replaces the page (null: the newest). */
export function auditUrl(query: AuditQuery, cursor: AuditCursor | null = query.cursor ?? null): string {
  const f = query.filters;
  const params = new URLSearchParams();
  if (f.actor) params.set('actor', f.actor);
  if (f.target) params.set('target', f.target);
  if (f.action) params.set('action', f.action);
  if (f.from) params.set('from', f.from);
  if (f.to) params.set('to', f.to);
  if (cursor) params.set(cursor.direction, `${cursor.at}-${cursor.id}`);
  const text = params.toString();
  return text ? `/audit?${text}` : '/audit';
}
