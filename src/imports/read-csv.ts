import { CsvError, parse } from 'csv-parse/sync';
import { type ImportField, matchHeaders } from './columns.js';

/**
 * More rows than this are refused: split the file. The preview checks every row in the request
 * (about 60 ms per thousand), so this bounds how long it holds the process it runs in.
 */
export const MAX_ROWS = 20_000;

/** One line of the file under the header, by field, with the line it starts on. */
export interface ImportRow {
  line: number;
  cells: Partial<Record<ImportField, string>>;
  /** Values past the last named column: a row that does not line up with the header. */
  extraValues: number;
}

export interface CsvContent {
  rows: ImportRow[];
  /** The columns Roster reads, in the file's order. */
  fields: ImportField[];
  /** Columns Roster does not know, by their header: left out. */
  ignored: string[];
  delimiter: string;
}

export type ReadCsv = CsvContent | { problem: string };

/**
 * Comma or semicolon: whichever the header line has more of. Excel writes semicolons where the
 * decimal separator is a comma (most of Europe), commas elsewhere.
 */
function detectDelimiter(text: string): ',' | ';' {
  const first = text.slice(0, text.search(/\r?\n|$/));
  const count = (c: string) => first.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/** The words for what csv-parse could not read, with the line, for a person who will fix the file. */
function describe(error: CsvError, lastGoodLine: number): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `Line ${lastGoodLine + 1}: a value opens with a quote (") that is never closed. Close it, or remove the quote.`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `Line ${error.lines}: a quoted value is followed by more text before the next separator. Put the whole value in quotes, and double any quote inside it ("").`;
    default:
      return `Line ${error.lines}: the file cannot be read as CSV (${error.message}).`;
  }
}

/** Reads the CSV text into rows keyed by field, or says why it cannot. */
export function readCsv(text: string): ReadCsv {
  const delimiter = detectDelimiter(text);
  let lastGoodLine = 0;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Spreadsheets save blank rows as a line of separators.
      skip_records_with_empty_values: true,
      on_record: (record, context) => {
        lastGoodLine = context.lines;
        return record;
      },
    }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) return { problem: describe(error, lastGoodLine) };
    throw error;
  }
  const [head, ...body] = records;
  if (!head) return { problem: 'The file is empty.' };
  const headers = head.record;
  const match = matchHeaders(headers);
  if (match.problem) return { problem: match.problem };
  if (body.length === 0) return { problem: 'The file has a header line but no users under it.' };
  if (body.length > MAX_ROWS) {
    return {
      problem: `The file has ${body.length.toLocaleString('en')} rows; at most ${MAX_ROWS.toLocaleString('en')} can be imported at once. Split it into smaller files.`,
    };
  }
  const rows = body.map(({ record, info }) => {
    const cells: ImportRow['cells'] = {};
    match.fields.forEach((field, i) => {
      if (field) cells[field] = (record[i] ?? '').trim();
    });
    // A quoted value may hold line breaks: the row starts that many lines before it ends.
    const breaks = record.reduce((n, value) => n + value.split('\n').length - 1, 0);
    const extraValues = record.slice(headers.length).filter((v) => v.trim() !== '').length;
    return { line: info.lines - breaks, cells, extraValues };
  });
  const fields = match.fields.filter((f): f is ImportField => f !== undefined);
  return { rows, fields, ignored: match.ignored, delimiter };
}
