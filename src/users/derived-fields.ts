import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { type UserText, users } from '../db/schema.js';
import { normalize } from '../text.js';
import { MEMBERSHIP_LISTS, SINGLE_REFERENCES } from '../reference/reference-tables.js';
import { searchDocument } from './search-text.js';

/** What a user's derived fields are computed from: their own fields and the names they show. */
export interface DerivationSource extends UserText {
  territory: string | null;
  role: string | null;
  userType: string | null;
  supervisor: string | null;
  groups: string[];
  teams: string[];
  companies: string[];
  addons: string[];
  databases: string[];
}

/** The name shown for a person: full name, else first and last, else the username. */
export function displayName(user: Pick<DerivationSource, 'fullName' | 'firstName' | 'lastName' | 'username'>): string {
  return user.fullName.trim() || `${user.firstName} ${user.lastName}`.trim() || user.username;
}

/** The same rule in SQL, for the supervisor's name read alongside a user. */
export const displayNameText = (alias: string) =>
  `coalesce(nullif(trim(${alias}.full_name), ''), nullif(trim(${alias}.first_name || ' ' || ${alias}.last_name), ''), ${alias}.username)`;

export const displayNameSql = (alias: string) => sql.raw(displayNameText(alias));

/** The derived columns of a user, by their field names on `users`. */
export const DERIVED_PARTS = [
  'searchDoc',
  'nameSort',
  'groupsSort',
  'teamsSort',
  'companiesSort',
  'addonsSort',
  'databasesSort',
  'territorySort',
  'roleSort',
  'userTypeSort',
  'supervisorSort',
] as const;

/** One derived column: refreshDerivedFields can recompute just some of them. */
export type DerivedPart = (typeof DERIVED_PARTS)[number];

export type DerivedFields = Record<DerivedPart, string>;

/** A user field that bulk actions change. */
export type BulkField =
  'territory' | 'role' | 'userType' | 'groups' | 'teams' | 'companies' | 'addons' | 'databases' | 'supervisor';

/**
 * The derived columns a change to each field makes stale: what a bulk action passes to
 * refreshDerivedFields. Only the supervisor's name is in the search document, so moving users
 * between territories or groups never rewrites the trigram index.
 */
export const PARTS_OF_FIELD: Readonly<Record<BulkField, readonly DerivedPart[]>> = {
  territory: ['territorySort'],
  role: ['roleSort'],
  userType: ['userTypeSort'],
  groups: ['groupsSort'],
  teams: ['teamsSort'],
  companies: ['companiesSort'],
  addons: ['addonsSort'],
  databases: ['databasesSort'],
  supervisor: ['supervisorSort', 'searchDoc'],
};

type Normalize = (text: string) => string;

const listKey = (names: readonly string[], fold: Normalize) => names.map(fold).sort().join(', ');

/** The sort key of a many-valued list (groups, teams, …): the folded names, sorted, joined. */
export const membershipSortKey = (names: readonly string[]) => listKey(names, normalize);

/**
 * How each derived column is computed, and which source fields it reads. The search document
 * holds only the user's own text and their supervisor's name: the names of their groups, teams,
 * territory and companies are matched by the list query from those small tables instead (see
 * list-repository.ts), so changing them costs no work in the trigram index. The document's
 * order of values is repeated in SQL by migrations/0007_search_doc_own_fields.sql.
 */
const RULES: {
  [P in DerivedPart]: {
    reads: readonly (keyof DerivationSource)[];
    derive: (u: DerivationSource, fold: Normalize) => string;
  };
} = {
  searchDoc: {
    reads: [
      'username',
      'firstName',
      'lastName',
      'fullName',
      'signature',
      'email',
      'phone',
      'extension',
      'supervisor',
      'notes',
    ],
    derive: (u) =>
      searchDocument([
        u.username,
        u.firstName,
        u.lastName,
        u.fullName,
        u.signature,
        u.email,
        u.phone,
        u.extension,
        u.supervisor,
        u.notes,
      ]),
  },
  nameSort: {
    reads: ['lastName', 'firstName', 'fullName', 'username'],
    derive: (u) => normalize(`${u.lastName} ${u.firstName}`) || normalize(u.fullName) || normalize(u.username),
  },
  groupsSort: { reads: ['groups'], derive: (u, fold) => listKey(u.groups, fold) },
  teamsSort: { reads: ['teams'], derive: (u, fold) => listKey(u.teams, fold) },
  companiesSort: { reads: ['companies'], derive: (u, fold) => listKey(u.companies, fold) },
  addonsSort: { reads: ['addons'], derive: (u, fold) => listKey(u.addons, fold) },
  databasesSort: { reads: ['databases'], derive: (u, fold) => listKey(u.databases, fold) },
  territorySort: { reads: ['territory'], derive: (u, fold) => fold(u.territory ?? '') },
  roleSort: { reads: ['role'], derive: (u, fold) => fold(u.role ?? '') },
  userTypeSort: { reads: ['userType'], derive: (u, fold) => fold(u.userType ?? '') },
  supervisorSort: { reads: ['supervisor'], derive: (u, fold) => fold(u.supervisor ?? '') },
};

/**
 * The sort key a territory, role or user type gives everyone who has it: the same for all of
 * them, so a bulk change writes it together with the reference (RULES says the same per user).
 */
export function referenceSortKey(name: string | null): string {
  return normalize(name ?? '');
}

export function deriveFields(u: DerivationSource): DerivedFields {
  const fields = {} as DerivedFields;
  for (const part of DERIVED_PARTS) fields[part] = RULES[part].derive(u, normalize);
  return fields;
}

/** The user's own columns, each read as it is. */
const OWN_COLUMNS: Partial<Record<keyof DerivationSource, string>> = {
  username: 'u.username',
  firstName: 'u.first_name',
  lastName: 'u.last_name',
  fullName: 'u.full_name',
  signature: 'u.signature',
  email: 'u.email',
  phone: 'u.phone',
  extension: 'u.extension',
  notes: 'u.notes',
};

/** Names the user shows through a foreign key: one join each. */
const JOINED_NAMES: Partial<Record<keyof DerivationSource, { name: string; join: string }>> = {
  ...Object.fromEntries(
    Object.entries(SINGLE_REFERENCES).map(([field, { column, table }]) => [
      field,
      { name: `${field}_ref.name`, join: `left join ${table} ${field}_ref on ${field}_ref.id = u.${column}` },
    ]),
  ),
  supervisor: {
    name: displayNameText('s'),
    join: 'left join users s on s.id = u.supervisor_id',
  },
};

/** Many-valued lists: the membership table and the names it points to. */
const MEMBERSHIP_NAMES: Partial<Record<keyof DerivationSource, { membership: string; table: string }>> =
  MEMBERSHIP_LISTS;

const BATCH = 2_000;

/**
 * Recomputes the derived fields of these users from the database. Call it in the same
 * transaction as any write that changes what a user shows: their fields, memberships, or a name
 * they display (a renamed group, a supervisor's new name).
 *
 * `parts` names the derived columns to recompute (all by default): a bulk action that moved
 * users to another territory passes PARTS_OF_FIELD.territory, and only the territory's name is
 * read. Each row is compared with what is stored, and only columns whose value changed are
 * written, so an unchanged search document never touches the trigram index.
 */
export function refreshDerivedFields(
  db: Queryable,
  ids: readonly number[],
  parts: readonly DerivedPart[] = DERIVED_PARTS,
): void {
  const wanted = DERIVED_PARTS.filter((part) => parts.includes(part));
  if (ids.length === 0 || wanted.length === 0) return;
  // In id order, neighbouring users are read and written on the same pages.
  const ordered = ids.every((id, i) => i === 0 || ids[i - 1]! <= id) ? ids : [...ids].sort((a, b) => a - b);
  const reads = new Set(wanted.flatMap((part) => RULES[part].reads));
  const selected = ['u.id as id', ...wanted.map((part) => `u.${users[part].name} as stored_${part}`)];
  const joins: string[] = [];
  const lists: [keyof DerivationSource, { membership: string; table: string }][] = [];
  for (const field of reads) {
    const own = OWN_COLUMNS[field];
    const joined = JOINED_NAMES[field];
    const list = MEMBERSHIP_NAMES[field];
    if (own) selected.push(`${own} as "${field}"`);
    else if (joined) {
      selected.push(`${joined.name} as "${field}"`);
      joins.push(joined.join);
    } else if (list) lists.push([field, list]);
  }
  const rowsQuery = `select ${selected.join(', ')} from users u ${joins.join(' ')} where u.id in (select value from json_each(?))`;
  const listQueries = lists.map(
    ([field, { membership, table }]) =>
      [
        field,
        `select m.user_id as id, n.name from ${membership} m join ${table} n on n.id = m.ref_id where m.user_id in (select value from json_each(?))`,
      ] as const,
  );
  // Reference names repeat across thousands of users: fold each once.
  const folded = new Map<string, string>();
  const fold = (text: string) => {
    let value = folded.get(text);
    if (value === undefined) folded.set(text, (value = normalize(text)));
    return value;
  };

  for (let i = 0; i < ordered.length; i += BATCH) {
    const batch = JSON.stringify(ordered.slice(i, i + BATCH));
    const rows = prepared(db, rowsQuery).all(batch) as (Record<string, string | null> & { id: number })[];
    const names = new Map<string, Map<number, string[]>>();
    for (const [field, query] of listQueries) {
      const byUser = new Map<number, string[]>();
      for (const { id, name } of prepared(db, query).all(batch) as { id: number; name: string }[]) {
        const list = byUser.get(id);
        if (list) list.push(name);
        else byUser.set(id, [name]);
      }
      names.set(field, byUser);
    }
    for (const row of rows) {
      // Only the fields these parts read are filled: each rule reads no others.
      const source = {} as Record<keyof DerivationSource, unknown>;
      for (const field of reads) {
        const byUser = names.get(field);
        source[field] = byUser ? (byUser.get(row.id) ?? []) : row[field];
      }
      const changed: DerivedPart[] = [];
      const values: string[] = [];
      for (const part of wanted) {
        const value = RULES[part].derive(source as DerivationSource, fold);
        if (value !== row[`stored_${part}`]) {
          changed.push(part);
          values.push(value);
        }
      }
      if (changed.length === 0) continue;
      const assignments = changed.map((part) => `${users[part].name} = ?`).join(', ');
      prepared(db, `update users set ${assignments} where id = ?`).run(...values, row.id);
    }
  }
}
