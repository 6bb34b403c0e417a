import type { Queryable } from '../db/connection.js';
import { type CheckedRow, checkRows, type RowProblem, usernamesFingerprint } from './check-rows.js';
import { type CsvContent, readCsv } from './read-csv.js';
import type { StoredUpload, UploadStore } from './upload-store.js';
import type { Actor } from '../access/actor.js';

/** Problems listed on the page; the error report has them all. */
const PROBLEMS_SHOWN = 500;
const SAMPLE_SIZE = 10;

/** A row as the preview and the error report show it: what it holds and what is wrong. */
export type PreviewRow = Omit<CheckedRow, 'values'>;

export interface ImportPreview extends Pick<CsvContent, 'fields' | 'ignored' | 'delimiter'> {
  total: number;
  /** Rows without a problem: all of them are created, or none. */
  valid: number;
  problems: RowProblem[];
  problemsTotal: number;
  /** The rows with a problem, with their problems: what the error report lists. */
  failing: PreviewRow[];
  sample: PreviewRow[];
  /** What the confirmation sends back, so the import creates exactly the usernames shown. */
  usernames: string;
}

/** What the preview page shows, kept with the upload so that showing it again reads no CSV. */
export interface KeptPreview {
  upload: Pick<StoredUpload, 'id' | 'filename' | 'encoding' | 'chosen'>;
  result: ImportPreview | { problem: string };
}

const shown = ({ values: _, ...row }: CheckedRow): PreviewRow => row;

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
    failing: failing.map(shown),
    sample: check.rows
      .filter((r) => r.problems.length === 0)
      .slice(0, SAMPLE_SIZE)
      .map(shown),
    usernames: usernamesFingerprint(check.rows),
  };
}

/**
 * The upload's preview: the one kept with it, or worked out now and kept. It is worked out once
 * per upload (and again after it is read in another encoding, or an import found the directory
 * changed since), not on every visit: a large file takes seconds to check. Undefined when the
 * upload is not this administrator's or has expired.
 */
export function keptPreview(
  db: Queryable,
  actor: Actor,
  store: UploadStore,
  id: string,
  now = Date.now(),
): KeptPreview | undefined {
  const kept = store.keptPreview(actor.id, id, now) as KeptPreview | undefined;
  if (kept) return kept;
  const upload = store.find(actor.id, id, now);
  if (!upload) return undefined;
  const preview: KeptPreview = {
    upload: { id, filename: upload.filename, encoding: upload.encoding, chosen: upload.chosen },
    result: previewImport(db, actor, upload),
  };
  store.keepPreview(actor.id, id, preview);
  return preview;
}
