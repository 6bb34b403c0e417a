import { csvSafe } from '../text.js';
import { IMPORT_COLUMNS, IMPORT_FIELDS } from './columns.js';
import type { ImportPreview } from './preview.js';

/**
 * The failing rows as the file had them, with the line and what is wrong, to fix in a
 * spreadsheet. Cells that a spreadsheet would run as a formula are neutralised, as in exports.
 */
export function errorReport(preview: ImportPreview): string[][] {
  const fields = IMPORT_FIELDS.filter((f) => preview.failing.some((row) => f in row.cells));
  const header = ['Line', ...fields.map((f) => IMPORT_COLUMNS[f].header), 'Errors'];
  const rows = preview.failing.map((row) => [
    String(row.line),
    ...fields.map((f) => csvSafe(row.cells[f] ?? '')),
    csvSafe(row.problems.map((p) => (p.column ? `${p.column}: ${p.message}` : p.message)).join(' ')),
  ]);
  return [header, ...rows];
}
