import type { Queryable } from '../db/connection.js';
import {
  type CheckedRow,
  checkRows,
  type CreatableList,
  type ImportCheck,
  type RowProblem,
  usernamesFingerprint,
} from './check-rows.js';
import type { ImportChoices } from './choices.js';
import type { ImportRow } from './read-csv.js';
import type { Actor } from '../access/actor.js';

/** Problems listed on the page; the error report has them all. */
const PROBLEMS_SHOWN = 500;
const SAMPLE_SIZE = 10;

/** A row as the preview and the error report show it: what it holds, what changes, what is wrong. */
export type PreviewRow = Pick<CheckedRow, 'line' | 'cells' | 'username' | 'generated' | 'problems'> & {
  /** The fields an update changes, by their audit keys. */
  changed: string[];
};

export interface ImportPreview {
  total: number;
  toCreate: number;
  toUpdate: number;
  unchanged: number;
  failed: number;
  problems: RowProblem[];
  problemsTotal: number;
  /** The rows with a problem, with their problems: what the error report lists. */
  failing: PreviewRow[];
  created: PreviewRow[];
  updated: PreviewRow[];
  /** How many rows change each field, by audit key. */
  fieldsChanged: Record<string, number>;
  newValues: Record<CreatableList, string[]>;
  /** What the confirmation sends back, so the import writes exactly the usernames shown. */
  usernames: string;
}

const shown = ({ line, cells, username, generated, problems, changes }: CheckedRow): PreviewRow => ({
  line,
  cells,
  username,
  generated,
  problems,
  changed: Object.keys(changes),
});

/**
 * What importing the rows would do, read against the directory as it is now. Writes nothing.
 * The rows come from a source (a CSV file through its mapping today), never read here.
 */
export function previewImport(db: Queryable, actor: Actor, rows: ImportRow[], choices: ImportChoices): ImportPreview {
  return previewOfCheck(checkRows(db, actor, rows, choices));
}

/** The preview of rows already checked. */
export function previewOfCheck(check: ImportCheck): ImportPreview {
  const of = (action: CheckedRow['action']) => check.rows.filter((r) => r.action === action);
  const [created, updated, failing] = [of('create'), of('update'), of('error')];
  const fieldsChanged: Record<string, number> = {};
  for (const row of updated)
    for (const field of Object.keys(row.changes)) fieldsChanged[field] = (fieldsChanged[field] ?? 0) + 1;
  return {
    total: check.rows.length,
    toCreate: created.length,
    toUpdate: updated.length,
    unchanged: check.rows.length - created.length - updated.length - failing.length,
    failed: failing.length,
    problems: check.problems.slice(0, PROBLEMS_SHOWN),
    problemsTotal: check.problems.length,
    failing: failing.map(shown),
    created: created.slice(0, SAMPLE_SIZE).map(shown),
    updated: updated.slice(0, SAMPLE_SIZE).map(shown),
    fieldsChanged,
    newValues: check.newValues,
    usernames: usernamesFingerprint(check.rows),
  };
}
