/**
 * Where each reference list lives, in one place: the eight lists superusers keep, the
 * single-valued references a user points to, and the many-valued ones held in a membership
 * table. The list page, the derived fields, the forms, bulk actions and the seed all read these.
 */

/** The eight reference lists by name, and their tables. */
export const REFERENCE_TABLES = {
  userTypes: 'user_types',
  roles: 'roles',
  territories: 'territories',
  groups: 'groups',
  teams: 'teams',
  companies: 'companies',
  addons: 'addons',
  databases: 'databases',
} as const;
export type ReferenceList = keyof typeof REFERENCE_TABLES;

/** A user's single-valued references: the users column, the list, and its label. */
export const SINGLE_REFERENCES = {
  territory: { column: 'territory_id', list: 'territories', table: 'territories', label: 'Territory' },
  userType: { column: 'user_type_id', list: 'userTypes', table: 'user_types', label: 'User type' },
  role: { column: 'role_id', list: 'roles', table: 'roles', label: 'Role' },
} as const satisfies Record<string, { column: string; list: ReferenceList; table: string; label: string }>;
export type SingleReference = keyof typeof SINGLE_REFERENCES;

/** A user's many-valued references: the membership table, the list, and its label. */
export const MEMBERSHIP_LISTS = {
  groups: { membership: 'user_groups', table: 'groups', label: 'Groups' },
  teams: { membership: 'user_teams', table: 'teams', label: 'Teams' },
  companies: { membership: 'user_companies', table: 'companies', label: 'Companies' },
  addons: { membership: 'user_addons', table: 'addons', label: 'Add-ons' },
  databases: { membership: 'user_databases', table: 'databases', label: 'Databases' },
} as const satisfies Record<string, { membership: string; table: string; label: string }>;
export type Membership = keyof typeof MEMBERSHIP_LISTS;
export const MEMBERSHIPS = Object.keys(MEMBERSHIP_LISTS) as Membership[];
