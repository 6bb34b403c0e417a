/**
 * Every field a user list can show and sort by. The list page, the column chooser and the CSV
 * export read this table; how each one can be filtered is in filter-fields.ts.
 */

export interface ColumnDef {
  key: string;
  label: string;
}

export const COLUMNS = [
  { key: 'name', label: 'Name' },
  { key: 'username', label: 'Username' },
  { key: 'email', label: 'Email' },
  { key: 'firstName', label: 'First name' },
  { key: 'lastName', label: 'Last name' },
  { key: 'signature', label: 'Signature' },
  { key: 'phone', label: 'Personal contact' },
  { key: 'extension', label: 'Extension' },
  { key: 'groups', label: 'Group' },
  { key: 'teams', label: 'Team' },
  { key: 'territory', label: 'Territory' },
  { key: 'companies', label: 'Company' },
  { key: 'userType', label: 'User type' },
  { key: 'role', label: 'Role' },
  { key: 'supervisor', label: 'Supervisor' },
  { key: 'licence', label: 'Licence' },
  { key: 'addons', label: 'Add-ons' },
  { key: 'databases', label: 'Databases' },
  { key: 'status', label: 'Status' },
  { key: 'kind', label: 'Kind' },
  { key: 'twoStep', label: 'Two-step' },
  { key: 'lastSignin', label: 'Last sign-in' },
  { key: 'created', label: 'Created' },
  { key: 'updated', label: 'Updated' },
  { key: 'notes', label: 'Notes' },
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
