import { IMPORT_COLUMNS, type ColumnMapping, isImportField } from './columns.js';

/** What an import does with each row: create new users, update existing ones, or both. */
export const IMPORT_MODES = [
  { value: 'create', label: 'Create new users only' },
  { value: 'update', label: 'Update existing users only' },
  { value: 'both', label: 'Create new users and update existing ones' },
] as const;
export type ImportMode = (typeof IMPORT_MODES)[number]['value'];

/** How a row finds the user it updates. */
export const MATCH_KEYS = [
  { value: 'username', label: 'Username' },
  { value: 'email', label: 'Email' },
] as const;
export type MatchKey = (typeof MATCH_KEYS)[number]['value'];

/** Everything chosen on the mapping page: how the rows read, and what importing them does. */
export interface ImportChoices {
  mapping: ColumnMapping;
  mode: ImportMode;
  matchOn: MatchKey;
  /** The user type of a new user whose row names none; null when the file always names one. */
  defaultUserTypeId: number | null;
  /** Names in groups, territories, companies and user types not in Roster yet are added (superusers only). */
  createMissing: boolean;
}

/** The choices as posted, read strictly: anything not offered falls back to the safe choice. */
export function readChoices(body: Record<string, unknown>, columns: number, mayCreateMissing: boolean): ImportChoices {
  const mapping: ColumnMapping = Array.from({ length: columns }, (_, i) => {
    const value = String(body[`column${i}`] ?? '');
    return isImportField(value) ? value : '';
  });
  const mode = IMPORT_MODES.find((m) => m.value === body.mode)?.value ?? 'create';
  const matchOn = MATCH_KEYS.find((k) => k.value === body.matchOn)?.value ?? 'username';
  const typeId = Number(body.defaultUserType);
  return {
    mapping,
    mode,
    matchOn,
    defaultUserTypeId: Number.isInteger(typeId) && typeId > 0 ? typeId : null,
    createMissing: mayCreateMissing && (body.createMissing === 'on' || body.createMissing === 'true'),
  };
}

/**
 * What is wrong with the choices as a whole, before any row is read, keyed by the form's
 * field: two columns for one field, no column to match users by, no names for new users.
 */
export function choiceProblems(choices: ImportChoices, headers: string[], userTypeExists: (id: number) => boolean) {
  const problems: Record<string, string> = {};
  const { mapping } = choices;
  mapping.forEach((field, i) => {
    const first = mapping.indexOf(field);
    if (field && first !== i && !problems[`column${first}`]) {
      const names = headers.filter((_, j) => mapping[j] === field).map((h) => `“${h}”`);
      problems[`column${first}`] =
        `${names.join(' and ')} are ${names.length === 2 ? 'both' : 'all'} mapped to ${IMPORT_COLUMNS[field].header}. Map only one of them, and leave the others out.`;
    }
  });
  const has = (field: string) => mapping.includes(field as never);
  if (choices.mode !== 'create' && !has(choices.matchOn)) {
    problems.matchOn = `Users are matched on ${choices.matchOn === 'email' ? 'Email' : 'Username'}, and no column is mapped to it. Map one, or match on the other.`;
  }
  if (choices.mode !== 'update') {
    const missing = (['firstName', 'lastName'] as const).filter((f) => !has(f)).map((f) => IMPORT_COLUMNS[f].header);
    if (missing.length > 0)
      problems.mode = `New users need a first and a last name, and no column is mapped to ${missing.join(' or ')}. Map them, or choose Update existing users only.`;
    if (!has('userType') && choices.defaultUserTypeId === null)
      problems.defaultUserType = 'No column gives the user type: choose the user type new users get.';
  }
  if (choices.defaultUserTypeId !== null && !userTypeExists(choices.defaultUserTypeId))
    problems.defaultUserType = 'Choose a user type from the list.';
  if (mapping.every((f) => f === '')) problems.mode = 'Every column is left out: map at least one to a Roster field.';
  return problems;
}
