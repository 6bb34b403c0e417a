/**
 * Every field a user list can show, filter on and sort by. The list page, the column chooser,
 * the ad hoc filter and the CSV export all read this one table.
 */

export type FieldKind = 'text' | 'date' | 'reference' | 'references' | 'choice';

export interface ColumnDef {
  key: string;
  label: string;
  kind: FieldKind;
  /** For choice fields: the values in display order. */
  choices?: readonly string[];
}

export const COLUMNS = [
  { key: 'name', label: 'Name', kind: 'text' },
  { key: 'username', label: 'Username', kind: 'text' },
  { key: 'email', label: 'Email', kind: 'text' },
  { key: 'firstName', label: 'First name', kind: 'text' },
  { key: 'lastName', label: 'Last name', kind: 'text' },
  { key: 'signature', label: 'Signature', kind: 'text' },
  { key: 'phone', label: 'Personal contact', kind: 'text' },
  { key: 'extension', label: 'Extension', kind: 'text' },
  { key: 'groups', label: 'Group', kind: 'references' },
  { key: 'teams', label: 'Team', kind: 'references' },
  { key: 'territory', label: 'Territory', kind: 'reference' },
  { key: 'companies', label: 'Company', kind: 'references' },
  { key: 'userType', label: 'User type', kind: 'reference' },
  { key: 'role', label: 'Role', kind: 'reference' },
  { key: 'supervisor', label: 'Supervisor', kind: 'reference' },
  { key: 'licence', label: 'Licence', kind: 'choice', choices: ['full', 'viewer', 'none'] },
  { key: 'addons', label: 'Add-ons', kind: 'references' },
  { key: 'databases', label: 'Databases', kind: 'references' },
  { key: 'status', label: 'Status', kind: 'choice', choices: ['active', 'inactive'] },
  { key: 'kind', label: 'Kind', kind: 'choice', choices: ['user', 'resource'] },
  { key: 'twoStep', label: 'Two-step', kind: 'choice', choices: ['on', 'off'] },
  { key: 'lastSignin', label: 'Last sign-in', kind: 'date' },
  { key: 'created', label: 'Created', kind: 'date' },
  { key: 'updated', label: 'Updated', kind: 'date' },
  { key: 'notes', label: 'Notes', kind: 'text' },
] as const satisfies readonly ColumnDef[];

export type ColumnKey = (typeof COLUMNS)[number]['key'];

export const COLUMN_BY_KEY: ReadonlyMap<string, ColumnDef> = new Map(COLUMNS.map((c) => [c.key, c]));

export const DEFAULT_COLUMNS: readonly ColumnKey[] = [
  'name',
  'username',
  'email',
  'groups',
  'territory',
  'role',
  'licence',
  'status',
  'lastSignin',
];

export function isColumnKey(key: string): key is ColumnKey {
  return COLUMN_BY_KEY.has(key);
}
