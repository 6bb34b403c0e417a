import { CsvError, parse } from 'csv-parse/sync';
import { type ImportField, matchHeaders } from './columns.js';
import { LineNumbers } from './line-numbers.js';

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

/** Reads the CSV text into rows keyed by field, or says why it cannot. */
export function readCsv(text: string): ReadCsv {
  const header = scanHeader(text);
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
  const headers = head.record;
  const match = matchHeaders(headers);
  if (match.problem) return { problem: match.problem };
  if (body.length === 0) return { problem: 'The file has a header line but no users under it.' };
  if (body.length > MAX_ROWS) {
    return {
      problem: `The file has ${body.length.toLocaleString('en')} rows; at most ${MAX_ROWS.toLocaleString('en')} can be imported at once. Split it into smaller files.`,
    };
  }
  const rows = body.map((parsed) => {
    const { record } = parsed;
    const cells: ImportRow['cells'] = {};
    match.fields.forEach((field, i) => {
      if (field) cells[field] = (record[i] ?? '').trim();
    });
    const extraValues = record.slice(headers.length).filter((v) => v.trim() !== '').length;
    return { line: startLine(parsed), cells, extraValues };
  });
  const fields = match.fields.filter((f): f is ImportField => f !== undefined);
  return { rows, fields, ignored: match.ignored, delimiter };
}
