import { csvSafe } from '../text.js';
import { IMPORT_COLUMNS, type ImportField } from './columns.js';
import type { ImportPreview } from './preview.js';

/**
 * The failing rows as the file had them, with the line and what is wrong, to fix in a
 * spreadsheet. Cells that a spreadsheet would run as a formula are neutralised, as in exports.
 */
export function errorReport(preview: ImportPreview): string[][] {
  // Every row has the same fields, in the order of the file's columns.
  const fields = Object.keys(preview.failing[0]?.cells ?? {}) as ImportField[];
  const header = ['Line', ...fields.map((f) => IMPORT_COLUMNS[f].header), 'Errors'];
  const rows = preview.failing.map((row) => [
    String(row.line),
    ...fields.map((f) => csvSafe(row.cells[f] ?? '')),
    csvSafe(row.problems.map((p) => (p.column ? `${p.column}: ${p.message}` : p.message)).join(' ')),
  ]);
  return [header, ...rows];
}
