/**
 * Which directory attribute fills each Roster field. The defaults are Active Directory's; an
 * OpenLDAP directory usually needs only `uid` for the username and `entryUUID` for the
 * directory id instead.
 */
export const DIRECTORY_FIELDS = [
  'username',
  'email',
  'firstName',
  'lastName',
  'fullName',
  'phone',
  'groups',
  'companies',
  'supervisor',
  'status',
  'directoryId',
] as const;

export type DirectoryField = (typeof DIRECTORY_FIELDS)[number];

/** Roster field → directory attribute name; an empty name leaves the field alone. */
export type AttributeMap = Record<DirectoryField, string>;

export const DEFAULT_ATTRIBUTE_MAP: AttributeMap = {
  username: 'sAMAccountName',
  email: 'mail',
  firstName: 'givenName',
  lastName: 'sn',
  fullName: 'displayName',
  phone: 'telephoneNumber',
  groups: 'department',
  companies: 'company',
  supervisor: 'manager',
  status: 'userAccountControl',
  directoryId: 'objectGUID',
};

/** Fields a row cannot do without: who the user is, and which entry they came from. */
export const REQUIRED_FIELDS: readonly DirectoryField[] = ['username', 'directoryId'];

/** The labels the settings page gives the mapping, also used for the audit log and row errors. */
export const FIELD_WORDS: Record<DirectoryField, string> = {
  username: 'Username',
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name',
  phone: 'Personal contact',
  groups: 'Group',
  companies: 'Company',
  supervisor: 'Supervisor (a DN)',
  status: 'Status (userAccountControl)',
  directoryId: 'Directory id',
};

/** What the field is for, shown under its box on the settings page. */
export const FIELD_HINTS: Partial<Record<DirectoryField, string>> = {
  email: 'Often mail; userPrincipalName when mail is empty in your directory.',
  supervisor: "An attribute holding the manager's DN, resolved to the Roster user from that entry.",
  status: 'The "account disabled" bit (0x2) makes the user inactive.',
  directoryId: 'A value that never changes, even when the user is renamed: objectGUID in AD, entryUUID in OpenLDAP.',
};

/** A stored map, completed with empty names for fields added since it was saved. */
export function attributeMapOf(stored: unknown): AttributeMap {
  const given = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const map = {} as AttributeMap;
  for (const field of DIRECTORY_FIELDS) {
    const value = given[field];
    map[field] = typeof value === 'string' ? value : '';
  }
  return map;
}
