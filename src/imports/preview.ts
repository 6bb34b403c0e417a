import type { Queryable } from '../db/connection.js';
import { type CheckedRow, checkRows, type RowProblem, usernamesFingerprint } from './check-rows.js';
import { type CsvContent, readCsv } from './read-csv.js';
import type { StoredUpload } from './upload-store.js';
import type { Actor } from '../access/actor.js';

/** Problems listed on the page; the error report has them all. */
const PROBLEMS_SHOWN = 500;
const SAMPLE_SIZE = 10;

export interface ImportPreview extends Pick<CsvContent, 'fields' | 'ignored' | 'delimiter'> {
  total: number;
  /** Rows without a problem: all of them are created, or none. */
  valid: number;
  problems: RowProblem[];
  problemsTotal: number;
  /** The rows with a problem, with their problems: what the error report lists. */
  failing: CheckedRow[];
  sample: CheckedRow[];
  /** What the confirmation sends back, so the import creates exactly the usernames shown. */
  usernames: string;
}

/** What importing the upload would do, read against the directory as it is now. Writes nothing. */
export function previewImport(db: Queryable, actor: Actor, upload: StoredUpload): ImportPreview | { problem: string } {
  const read = readCsv(upload.text);
  if ('problem' in read) return read;
  const check = checkRows(db, actor, read.rows);
  const failing = check.rows.filter((r) => r.problems.length > 0);
  return {
    fields: read.fields,
    ignored: read.ignored,
    delimiter: read.delimiter,
    total: check.rows.length,
    valid: check.rows.length - failing.length,
    problems: check.problems.slice(0, PROBLEMS_SHOWN),
    problemsTotal: check.problems.length,
    failing,
    sample: check.rows.filter((r) => r.problems.length === 0).slice(0, SAMPLE_SIZE),
    usernames: usernamesFingerprint(check.rows),
  };
}
