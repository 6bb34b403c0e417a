import type { Queryable } from '../db/connection.js';
import type { ColumnMapping, ImportField } from '../imports/columns.js';
import type { ImportRow } from '../imports/read-csv.js';
import { JobRefusedError } from '../jobs/refused.js';
import type { AttributeMap, DirectoryField } from './attribute-map.js';
import { prepared } from '../db/statements.js';
import { bindPasswordSealer, type DirectoryConnection, readDirectoryConnection } from './directory-settings.js';
import { type DirectoryRow, dnKey, entriesToRows } from './entries-to-rows.js';
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

/** Roster users linked to an entry: directory id → username. */
function linkedUsernames(db: Queryable): Map<string, string> {
  const rows = prepared(
    db,
    'select directory_id as id, username from users where directory_id is not null and deleted_at is null',
  ).all() as { id: string; username: string }[];
  return new Map(rows.map((row) => [row.id, row.username]));
}

/**
 * Every entry the settings' filter finds, a page at a time (`found` hears the count after each
 * page), as rows. A manager the filter leaves out is looked up by DN afterwards, so that one
 * already linked to a Roster user still resolves to them.
 */
export async function readDirectoryRows(
  db: Queryable,
  settings: DirectoryConnection,
  found?: (count: number) => void,
): Promise<DirectoryRow[]> {
  const entries: DirectoryEntry[] = [];
  const existingUsers = linkedUsernames(db);
  const managerIds = new Map<string, string>();
  const managerAttribute = settings.attributeMap.supervisor.toLowerCase();
  const outsideManagers = () => {
    const inSet = new Set(entries.map((entry) => dnKey(entry.dn)));
    const dns = new Map<string, string>();
    for (const entry of entries)
      for (const dn of entry.attributes[managerAttribute] ?? []) if (!inSet.has(dnKey(dn))) dns.set(dnKey(dn), dn);
    return [...dns.values()];
  };
  await searchUsers(
    settings,
    (page) => {
      entries.push(...page);
      found?.(entries.length);
    },
    // Only a manager already linked to a Roster user can resolve outside the set: without any, none is looked up.
    managerAttribute && existingUsers.size > 0
      ? { dns: outsideManagers, found: (dn, id) => managerIds.set(dnKey(dn), id) }
      : undefined,
  );
  return entriesToRows(entries, settings.attributeMap, { existingUsers, managerIds });
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
  let rows: DirectoryRow[];
  try {
    rows = await readDirectoryRows(db, settings, found);
  } catch (err) {
    throw new JobRefusedError((err as Error).message);
  }
  if (rows.length === 0)
    throw new JobRefusedError(
      `No entry under ${settings.baseDn} matches the user filter ${settings.userFilter}. Check both on the directory settings page.`,
    );
  return {
    rows: importRowsOf(rows, settings.attributeMap),
    mapping: directoryMapping(settings.attributeMap),
  };
}
