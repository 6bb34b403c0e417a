import { stringify } from 'csv-stringify/sync';
import { COLUMN_BY_KEY, type ColumnKey } from '../list/columns.js';
import type { ListRow } from '../list/list-repository.js';
import { cell } from '../list/list-view.js';
import { csvSafe } from '../text.js';

/**
 * The CSV an export writes, as a spreadsheet reads it: UTF-8 with a byte-order mark (without
 * one Excel takes the file for the local code page and garbles "Öberg"), CRLF line ends, and
 * every value made inert (csvSafe) so a cell typed as "=HYPERLINK(…)" stays text.
 */
const FORMAT = { record_delimiter: 'windows' } as const;

/** The first line: the labels of the chosen columns, after the byte-order mark. */
export function csvHeader(columns: readonly ColumnKey[]): string {
  return stringify([columns.map((key) => COLUMN_BY_KEY.get(key)!.label)], { ...FORMAT, bom: true });
}

/** Rows as the list's cells show them, one line each; lists such as groups joined with ", ". */
export function csvLines(rows: readonly ListRow[], columns: readonly ColumnKey[]): string {
  if (rows.length === 0) return '';
  return stringify(
    rows.map((row) => columns.map((key) => csvSafe(cell(row, key).text))),
    FORMAT,
  );
}

/** The file's name: what it holds and the day it was made, e.g. roster-users-2026-11-23.csv. */
export function exportFilename(at: Date): string {
  return `roster-users-${at.toISOString().slice(0, 10)}.csv`;
}
