import type { Queryable } from '../db/connection.js';
import type { ColumnMapping, ImportField } from '../imports/columns.js';
import type { ImportRow } from '../imports/read-csv.js';
import { JobRefusedError } from '../jobs/refused.js';
import type { AttributeMap, DirectoryField } from './attribute-map.js';
import { bindPasswordSealer, readDirectoryConnection } from './directory-settings.js';
import { type DirectoryRow, entriesToRows } from './entries-to-rows.js';
import { type DirectoryEntry, searchUsers } from './ldap-client.js';

/**
 * The directory as a source for the import: its entries become the same rows a CSV file gives
 * through its column mapping, so they go through the same check, preview and all-or-nothing
 * write. Each row carries its entry's directory id, which the check matches first.
 */

/** The import field each mapped directory field fills. */
const IMPORT_FIELDS: Record<Exclude<DirectoryField, 'directoryId'>, ImportField> = {
  username: 'username',
  email: 'email',
  firstName: 'firstName',
  lastName: 'lastName',
  fullName: 'fullName',
  phone: 'phone',
  groups: 'groups',
  companies: 'companies',
  supervisor: 'supervisor',
  status: 'status',
};

/** The "columns" a directory gives: the fields its attribute map fills, and each entry's DN. */
export function directoryMapping(map: AttributeMap): ColumnMapping {
  const mapped = (Object.keys(IMPORT_FIELDS) as (keyof typeof IMPORT_FIELDS)[]).filter((field) => map[field] !== '');
  return [...mapped.map((field) => IMPORT_FIELDS[field]), 'distinguishedName'];
}

/** Directory rows as import rows; an entry's own problems (no username, a manager no one) stay with it. */
export function importRowsOf(rows: readonly DirectoryRow[], map: AttributeMap): ImportRow[] {
  const fields = Object.keys(IMPORT_FIELDS) as (keyof typeof IMPORT_FIELDS)[];
  return rows.map((row, i) => {
    const cells: ImportRow['cells'] = { distinguishedName: row.line };
    for (const field of fields) if (map[field] !== '') cells[IMPORT_FIELDS[field]] = row.values[field] ?? '';
    return {
      line: i + 1,
      cells,
      extraValues: 0,
      directoryId: row.directoryId || undefined,
      sourceProblems: row.errors.map((message) => ({
        column: /manager/i.test(message) ? ('supervisor' as const) : ('' as const),
        message,
      })),
    };
  });
}

/** Every entry the settings' filter finds, a page at a time; `found` hears the count after each page. */
export async function allEntries(
  settings: Parameters<typeof searchUsers>[0],
  found?: (count: number) => void,
): Promise<DirectoryEntry[]> {
  const entries: DirectoryEntry[] = [];
  await searchUsers(settings, (page) => {
    entries.push(...page);
    found?.(entries.length);
  });
  return entries;
}

/**
 * The directory's entries as import rows, read in the import's check job. Anything that stops
 * the reading (no settings, a password sealed under another secret, an unreachable server, a
 * refused bind, a base DN that does not exist, no entry at all) refuses the job in words.
 */
export async function directoryImportRows(
  db: Queryable,
  secret: string,
  found?: (count: number) => void,
): Promise<{ rows: ImportRow[]; mapping: ColumnMapping }> {
  let settings;
  try {
    settings = readDirectoryConnection(db, bindPasswordSealer(secret));
  } catch (err) {
    throw new JobRefusedError((err as Error).message);
  }
  if (!settings) throw new JobRefusedError('No directory is set up: save its settings first.');
  let entries: DirectoryEntry[];
  try {
    entries = await allEntries(settings, found);
  } catch (err) {
    throw new JobRefusedError((err as Error).message);
  }
  if (entries.length === 0)
    throw new JobRefusedError(
      `No entry under ${settings.baseDn} matches the user filter ${settings.userFilter}. Check both on the directory settings page.`,
    );
  return {
    rows: importRowsOf(entriesToRows(entries, settings.attributeMap), settings.attributeMap),
    mapping: directoryMapping(settings.attributeMap),
  };
}
