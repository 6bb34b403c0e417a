import { type AttributeMap, type DirectoryField, FIELD_WORDS, REQUIRED_FIELDS } from './attribute-map.js';
import type { DirectoryEntry } from './ldap-client.js';

/**
 * Directory entries turned into the rows an import or a sync works with. A row is one entry:
 *
 *   { line: the entry's DN (where a CSV row would have its line number),
 *     directoryId: the entry's never-changing id (objectGUID / entryUUID), '' when it has none,
 *     values: Roster field → text, only for fields the mapping fills: username, email, firstName,
 *             lastName, fullName, phone, groups, companies (one name each), status ('active' or
 *             'inactive'), and supervisor (the username of the entry the manager DN names),
 *     supervisorDirectoryId: the manager's directory id, when the entry has a manager,
 *     errors: what stops this row, in words (empty when it can be used) }
 *
 * This is pure: no directory and no database, so it is tested with plain objects, and the CSV
 * import's preview can take the rows as they are.
 */
export interface DirectoryRow {
  line: string;
  directoryId: string;
  values: Partial<Record<Exclude<DirectoryField, 'directoryId'>, string>>;
  supervisorDirectoryId?: string;
  errors: string[];
}

export interface RowContext {
  /**
   * Roster users who came from the directory, directory id → username: a manager outside this
   * search (the filter left them out) still resolves when Roster already holds them…
   */
  existingUsers?: ReadonlyMap<string, string>;
  /** …through their DN → directory id, when the caller looked those DNs up. */
  managerIds?: ReadonlyMap<string, string>;
}

/** userAccountControl's ACCOUNTDISABLE bit. */
const ACCOUNT_DISABLED = 0x2;
/** Where AD keeps an address when `mail` is empty. */
const EMAIL_FALLBACK = 'userprincipalname';

/** A DN compared the way LDAP does in practice: case and spaces around separators ignored. */
export function dnKey(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

function first(entry: DirectoryEntry, attribute: string): string {
  if (attribute === '') return '';
  return (entry.attributes[attribute.toLowerCase()] ?? []).find((v) => v.trim() !== '')?.trim() ?? '';
}

/** The status an attribute's value means: AD's flags, or a plain word from other directories. */
export function statusOf(value: string): 'active' | 'inactive' | undefined {
  if (/^-?\d+$/.test(value)) return (Number(value) & ACCOUNT_DISABLED) !== 0 ? 'inactive' : 'active';
  if (/^(active|enabled|true|yes)$/i.test(value)) return 'active';
  if (/^(inactive|disabled|false|no)$/i.test(value)) return 'inactive';
  return undefined;
}

export function entriesToRows(
  entries: readonly DirectoryEntry[],
  map: AttributeMap,
  context: RowContext = {},
): DirectoryRow[] {
  const rows = entries.map((entry) => ownRow(entry, map));
  const byDn = new Map<string, DirectoryRow>();
  rows.forEach((row) => byDn.set(dnKey(row.line), row));
  markDuplicates(rows, (row) => row.directoryId, 'Another entry has the same directory id');
  markDuplicates(rows, (row) => row.values.username?.toLowerCase() ?? '', 'Another entry has the same username');

  if (map.supervisor !== '') {
    entries.forEach((entry, i) => {
      const managerDn = first(entry, map.supervisor);
      if (managerDn === '') return;
      const row = rows[i]!;
      const manager = byDn.get(dnKey(managerDn));
      if (manager && manager.directoryId !== '') {
        row.supervisorDirectoryId = manager.directoryId;
        if (manager.values.username) row.values.supervisor = manager.values.username;
        return;
      }
      const knownId = context.managerIds?.get(dnKey(managerDn));
      const knownUsername = knownId ? context.existingUsers?.get(knownId) : undefined;
      if (knownId && knownUsername) {
        row.supervisorDirectoryId = knownId;
        row.values.supervisor = knownUsername;
        return;
      }
      row.errors.push(
        `The manager "${managerDn}" resolves to no one: that entry is neither among the users found nor a Roster user from the directory.`,
      );
    });
  }
  return rows;
}

function ownRow(entry: DirectoryEntry, map: AttributeMap): DirectoryRow {
  const row: DirectoryRow = { line: entry.dn, directoryId: first(entry, map.directoryId), values: {}, errors: [] };
  const missing: string[] = [];
  for (const field of REQUIRED_FIELDS) {
    if (first(entry, map[field]) === '') missing.push(`${map[field]} (${FIELD_WORDS[field].toLowerCase()})`);
  }
  if (missing.length > 0)
    row.errors.push(`The entry has no ${missing.join(' and ')}, which Roster needs to know who this is.`);

  const text = ['username', 'email', 'firstName', 'lastName', 'fullName', 'phone', 'groups', 'companies'] as const;
  for (const field of text) {
    if (map[field] === '') continue;
    let value = first(entry, map[field]);
    if (field === 'email' && value === '' && map.email.toLowerCase() === 'mail') value = first(entry, EMAIL_FALLBACK);
    row.values[field] = value;
  }
  if (map.status !== '') {
    const raw = first(entry, map.status);
    // An entry without the attribute is taken as enabled: only a set "disabled" bit disables.
    const status = raw === '' ? 'active' : statusOf(raw);
    if (status) row.values.status = status;
    else row.errors.push(`The ${map.status} value "${raw}" does not say whether the account is enabled.`);
  }
  return row;
}

function markDuplicates(rows: DirectoryRow[], keyOf: (row: DirectoryRow) => string, message: string): void {
  const seen = new Map<string, DirectoryRow>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === '') continue;
    const earlier = seen.get(key);
    if (earlier) row.errors.push(`${message} (${earlier.line}).`);
    else seen.set(key, row);
  }
}
