import { CsvError, parse } from 'csv-parse/sync';
import type { ColumnMapping, ImportField } from './columns.js';
import { LineNumbers } from './line-numbers.js';

/**
 * One user as a source gives it: Roster fields to values, with the line it starts on. A CSV file
 * gives these through its column mapping; a directory gives them through its attribute mapping.
 */
export interface ImportRow {
  line: number;
  cells: Partial<Record<ImportField, string>>;
  /** Values past the last named column: a row that does not line up with the header. */
  extraValues: number;
  /** The directory entry the row came from (objectGUID / entryUUID): matched first, and kept on the user. */
  directoryId?: string;
  /** What the source already found wrong with the row (an entry without a username…), in words. */
  sourceProblems?: { column: ImportField | ''; message: string }[];
}

/** A CSV file as read, before any mapping: its headers, and each record's values and line. */
export interface CsvTable {
  headers: string[];
  records: { line: number; values: string[] }[];
  delimiter: string;
}

export type ReadCsv = CsvTable | { problem: string };

/**
 * A first line some exports write above the header, to be skipped: PowerShell's Export-Csv
 * ("#TYPE Microsoft.ActiveDirectory.Management.ADUser"), Entra's bulk-create template
 * ("version:v1.0") and Excel's separator hint ("sep=;").
 */
const PREAMBLE = /^(?:\uFEFF)?(?:#TYPE\b|version:v\d|"?sep=)[^\r\n]*(?:\r\n|\n|\r)/i;

/** A header line longer than this, or with more columns, is refused before the file is parsed. */
export const MAX_HEADER_CHARS = 64 * 1024;
export const MAX_COLUMNS = 200;

/** Every way a line may end: Windows, Unix, and old Mac files. The longest is tried first. */
const LINE_ENDS = ['\r\n', '\n', '\r'];

/**
 * The header line, as far as MAX_HEADER_CHARS + 1 characters, and how many commas and semicolons
 * it has outside quotes. Cheap on any file: a hostile header is measured, never parsed.
 */
function scanHeader(text: string) {
  const counts = { ',': 0, ';': 0 };
  let quoted = false;
  let end = 0;
  for (; end < text.length && end <= MAX_HEADER_CHARS; end++) {
    const c = text[end];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';')) counts[c]++;
  }
  return { length: end, counts };
}

function headerProblem(header: ReturnType<typeof scanHeader>, delimiter: ',' | ';'): string | undefined {
  if (header.length > MAX_HEADER_CHARS) {
    return `The first line is longer than ${MAX_HEADER_CHARS / 1024} KB. It must name the columns, such as Last Name, First Name and User Type.`;
  }
  const columns = header.counts[delimiter] + 1;
  if (columns > MAX_COLUMNS) {
    return `The first line has ${columns.toLocaleString('en')} columns; at most ${MAX_COLUMNS} can be read. Remove the columns that are not needed.`;
  }
  return undefined;
}

/** The words for what csv-parse could not read, with the line, for a person who will fix the file. */
function describe(error: CsvError, line: { opened: number; found: number }): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `Line ${line.opened}: a value opens with a quote (") that is never closed. Close it, or remove the quote.`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `Line ${line.found}: a quoted value is followed by more text before the next separator. Put the whole value in quotes, and double any quote inside it ("").`;
    default:
      return `Line ${line.found}: the file cannot be read as CSV (${error.message}).`;
  }
}

/**
 * Reads the CSV text into its headers and records, or says why it cannot. With `onlyHeader`
 * it stops after the header line and the line under it (the mapping page shows no more). More than maxRows records
 * are refused.
 */
export function readCsv(text: string, { maxRows = Infinity, onlyHeader = false } = {}): ReadCsv {
  const preamble = PREAMBLE.exec(text)?.[0] ?? '';
  const header = scanHeader(text.slice(preamble.length));
  // Comma or semicolon: whichever the header line has more of. Excel writes semicolons where the
  // decimal separator is a comma (most of Europe), commas elsewhere.
  const delimiter = header.counts[';'] > header.counts[','] ? ';' : ',';
  const refused = headerProblem(header, delimiter);
  if (refused) return { problem: refused };

  // csv-parse counts offsets in UTF-8 bytes; lines are numbered from them, whatever ends them.
  const bytes = Buffer.from(text);
  const lines = new LineNumbers(bytes);
  /** Where the record after the last one read starts: an unclosed quote opens there. */
  let nextStart = 0;
  let records: { record: string[]; raw: string; info: { bytes: number } }[];
  try {
    records = parse(bytes, {
      delimiter,
      record_delimiter: LINE_ENDS,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Spreadsheets save blank rows as a line of separators.
      skip_records_with_empty_values: true,
      from_line: preamble ? 2 : 1,
      to_line: onlyHeader ? (preamble ? 3 : 2) : undefined,
      on_record: (record, context) => {
        nextStart = context.bytes;
        return record;
      },
    }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      // The failing record starts after the last one read and any blank lines below it.
      while (bytes[nextStart] === 0x0a || bytes[nextStart] === 0x0d) nextStart++;
      const at = { opened: lines.lineAt(nextStart), found: lines.lineAt(Number(error.bytes) || 0) };
      return { problem: describe(error, at) };
    }
    throw error;
  }
  /** The line a record starts on: its raw text ends at its offset, after any blank lines skipped before it. */
  const startLine = ({ raw, info }: (typeof records)[number]) => {
    const blank = /^[\r\n]*/.exec(raw)![0].length;
    return lines.lineAt(info.bytes - Buffer.byteLength(raw) + blank);
  };
  const [head, ...body] = records;
  if (!head) return { problem: 'The file is empty.' };
  const headers = head.record.map((h) => h.trim());
  if (headers.every((h) => h === '')) return { problem: 'The first line must name the columns, and it is blank.' };
  if (onlyHeader) return { headers, records: body.map((r) => ({ line: startLine(r), values: r.record })), delimiter };
  if (body.length === 0) return { problem: 'The file has a header line but no users under it.' };
  if (body.length > maxRows) {
    return {
      problem: `The file has ${body.length.toLocaleString('en')} rows; at most ${maxRows.toLocaleString('en')} can be imported at once. Split it into smaller files.`,
    };
  }
  return { headers, records: body.map((parsed) => ({ line: startLine(parsed), values: parsed.record })), delimiter };
}

/** The records as rows of Roster fields, through the mapping; columns mapped to nothing are left out. */
export function mappedRows(table: CsvTable, mapping: ColumnMapping): ImportRow[] {
  const width = table.headers.length;
  const used = mapping.flatMap((field, i) => (field ? [[field, i] as const] : []));
  return table.records.map(({ line, values }) => {
    const cells: ImportRow['cells'] = {};
    for (const [field, i] of used) cells[field] = (values[i] ?? '').trim();
    let extraValues = 0;
    for (let i = width; i < values.length; i++) if (values[i]!.trim() !== '') extraValues++;
    return { line, cells, extraValues };
  });
}
