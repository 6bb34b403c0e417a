import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { type ColumnMapping, headersKey, isImportField, recogniseHeaders } from './columns.js';

/**
 * Mappings remembered for a set of headers: the next file with the same columns opens with the
 * choices made for the last one, whoever made them. Kept in import_mappings by the folded header line.
 */

/** The mapping to start from: the one remembered for these headers, or the one recognised from them. */
export function startingMapping(db: Queryable, headers: string[]): { mapping: ColumnMapping; remembered: boolean } {
  const stored = prepared(db, 'select mapping from import_mappings where headers_key = ?')
    .pluck()
    .get(headersKey(headers));
  if (typeof stored === 'string') {
    try {
      const mapping = JSON.parse(stored) as unknown;
      if (Array.isArray(mapping) && mapping.length === headers.length)
        return { mapping: mapping.map((f) => (typeof f === 'string' && isImportField(f) ? f : '')), remembered: true };
    } catch {
      // A damaged entry is as none: the headers are recognised again.
    }
  }
  return { mapping: recogniseHeaders(headers), remembered: false };
}

export function rememberMapping(
  db: Queryable,
  headers: string[],
  mapping: ColumnMapping,
  actorId: number,
  now = Date.now(),
) {
  prepared(
    db,
    `insert into import_mappings (headers_key, mapping, updated_at, updated_by) values (?, ?, ?, ?)
     on conflict (headers_key) do update set mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(headersKey(headers), JSON.stringify(mapping), now, actorId);
}
