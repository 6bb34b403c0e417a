import { createHash } from 'node:crypto';
import type { Queryable } from '../db/connection.js';
import { LICENCE_TYPES } from '../db/schema.js';
import { EMAIL } from '../email-address.js';
import { normalize, transliterate } from '../text.js';
import type { Option } from '../reference/reference-lists.js';
import { MEMBERSHIPS, type ReferenceList } from '../reference/reference-tables.js';
import { scopeProblems } from '../access/scope.js';
import { formOptions, type FormOptions, TEXT_LIMITS, USERNAME, type UserValues } from '../user/user-form.js';
import { MAX_ITEM_NAME } from '../reference/item-name.js';
import { IMPORT_COLUMNS, type ImportField } from './columns.js';
import type { ImportChoices } from './choices.js';
import { commonNameOf, splitNames, statusOf } from './cell-values.js';
import { type ExistingUser, labelsOf, type Person, peopleNamed, usernameHeld, usersByKey } from './existing-users.js';
import type { ImportRow } from './read-csv.js';
import type { Actor } from '../access/actor.js';
import { isSuperuser } from '../access/policy.js';

/** One problem with one row, as the preview and the error report show it. */
export interface RowProblem {
  line: number;
  column: string;
  message: string;
}

export type RowAction = 'create' | 'update' | 'unchanged' | 'error';

/** An audit-style change: the field, and its value before and after, in words. */
export type Changes = Record<string, [unknown, unknown]>;

export interface CheckedRow {
  line: number;
  cells: ImportRow['cells'];
  action: RowAction;
  /** The username the user has or gets: the file's, the matched user's, or one made from their names. */
  username: string;
  generated: boolean;
  /** The matched user, for an update. */
  userId?: number;
  /** What the user is written as: a new user whole, an updated one with the file's fields applied. */
  values?: UserValues;
  /** What an update changes, or everything a new user is given. */
  changes: Changes;
  /** A supervisor created by the same file, by lower-case username: linked once both exist. */
  supervisorInFile?: string;
  /** The directory entry the user is linked to by this row. */
  directoryId?: string;
  problems: RowProblem[];
}

/** The lists whose missing names a superuser may have created by the import. */
export const CREATABLE_LISTS = ['userTypes', 'territories', 'groups', 'companies'] as const;
export type CreatableList = (typeof CREATABLE_LISTS)[number];

export interface ImportCheck {
  rows: CheckedRow[];
  problems: RowProblem[];
  options: FormOptions;
  /** Names to add to the lists first (with "Create missing list values"), as the file spells them. */
  newValues: Record<CreatableList, string[]>;
}

/** How a reference list names one of its entries in a message. */
export const SINGULAR: Record<ReferenceList, string> = {
  userTypes: 'user type',
  roles: 'role',
  territories: 'territory',
  groups: 'group',
  teams: 'team',
  companies: 'company',
  addons: 'add-on',
  databases: 'database',
};

/** The change keys the audit uses for each compared field, as the user form's audit entries say them. */
const TEXT_FIELDS = [
  'username',
  'firstName',
  'lastName',
  'fullName',
  'signature',
  'email',
  'phone',
  'extension',
  'notes',
] as const;
const SINGLE = {
  userType: ['userTypes', 'userTypeId'],
  role: ['roles', 'roleId'],
  territory: ['territories', 'territoryId'],
} as const;

/**
 * The usernames a check arrived at, in one short string: the confirmation carries the preview's,
 * and the import refuses when its own differ (a name made from a person's names was taken
 * since, so they would get another than the one shown).
 */
export function usernamesFingerprint(rows: CheckedRow[]): string {
  return createHash('sha256')
    .update(rows.map((r) => r.username).join('\n'))
    .digest('base64url');
}

/** The longest value each column may hold: what the user form keeps, and the longest list name. */
const COLUMN_LIMITS: Partial<Record<ImportField, number>> = {
  ...TEXT_LIMITS,
  userType: MAX_ITEM_NAME,
  role: MAX_ITEM_NAME,
  territory: MAX_ITEM_NAME,
  licenceType: 20,
  status: 20,
};
const LIMITED_COLUMNS = Object.entries(COLUMN_LIMITS) as [ImportField, number][];

/** A name made from a person's names as an administrator would write it: "Åsa Holm-Berg" → asa.holm-berg. */
function usernameBase(firstName: string, lastName: string): string {
  const part = (name: string) => normalize(transliterate(name)).replace(/[^\p{L}\p{N}-]+/gu, '');
  return [part(firstName), part(lastName)].filter(Boolean).join('.').slice(0, 60);
}

const sameIds = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Checks every row of an import and works out what it does: create a user, update one (and
 * which fields), leave one unchanged, or nothing, for a row in error. Names in the file (user
 * type, groups, supervisor…) are resolved to ids through lookups loaded once, so the check costs
 * the same per row at 100 rows or 100,000. Run for the preview, and again inside the import's
 * transaction, where the directory may have changed since.
 */
export function checkRows(db: Queryable, actor: Actor, rows: ImportRow[], choices: ImportChoices): ImportCheck {
  const options = formOptions(db);
  const has = (field: ImportField) => choices.mapping.includes(field);
  const createMissing = choices.createMissing && isSuperuser(actor);
  const byName = Object.fromEntries(
    Object.entries(options).map(([list, entries]) => [list, new Map(entries.map((o) => [normalize(o.name), o]))]),
  ) as Record<ReferenceList, Map<string, Option>>;
  const newValues: Record<CreatableList, string[]> = { userTypes: [], territories: [], groups: [], companies: [] };

  /** The id of a name in a list, a stand-in for a name to be created, or undefined when unknown. */
  const idOf = (list: ReferenceList, name: string): number | undefined => {
    const key = normalize(name);
    const found = byName[list].get(key);
    if (found) return found.id;
    if (!createMissing || !(CREATABLE_LISTS as readonly string[]).includes(list)) return undefined;
    const added = newValues[list as CreatableList];
    added.push(name);
    const standIn: Option = { id: -added.length, name };
    byName[list].set(key, standIn);
    return standIn.id;
  };
  const nameOf = (list: ReferenceList, id: number | null) =>
    id === null
      ? null
      : (options[list].find((o) => o.id === id)?.name ?? newValues[list as CreatableList]?.[-id - 1] ?? null);

  // The users the rows match, by the chosen key.
  const key = choices.matchOn;
  const keys = new Set(rows.map((r) => (r.cells[key] ?? '').toLowerCase()).filter(Boolean));
  const existing =
    choices.mode === 'create' && key === 'username' && !has('username')
      ? new Map<string, ExistingUser[]>()
      : usersByKey(db, actor, key, keys);
  // A row from a directory finds its user by the entry's id first, so a renamed entry updates the same user.
  const entryIds = new Set(rows.map((r) => (r.directoryId ?? '').toLowerCase()).filter(Boolean));
  const linked =
    entryIds.size === 0 ? new Map<string, ExistingUser[]>() : usersByKey(db, actor, 'directoryId', entryIds);
  const linkedTo = (row: ImportRow) => (row.directoryId ? linked.get(row.directoryId.toLowerCase()) : undefined);
  const matchOf = (row: ImportRow) => linkedTo(row) ?? existing.get((row.cells[key] ?? '').toLowerCase());

  // The file's own usernames first: a made-up name never takes one the file asks for.
  const inFile = new Map<string, number[]>();
  for (const row of rows) {
    const name = (row.cells.username ?? '').toLowerCase();
    if (name) inFile.set(name, [...(inFile.get(name) ?? []), row.line]);
  }
  const inFileKeys = new Map<string, number[]>();
  if (key === 'email')
    for (const row of rows) {
      const k = (row.cells.email ?? '').toLowerCase();
      if (k) inFileKeys.set(k, [...(inFileKeys.get(k) ?? []), row.line]);
    }
  const held = usernameHeld(db, new Set(inFile.keys()));
  const taken = new Set(inFile.keys());
  const generate = (row: ImportRow) => {
    const base = usernameBase(row.cells.firstName ?? '', row.cells.lastName ?? '');
    if (!base) return '';
    let candidate = base;
    for (let n = 2; taken.has(candidate) || held(candidate); n++) candidate = `${base}${n}`;
    taken.add(candidate);
    return candidate;
  };
  // Every row's username: the file's, the matched user's, or a made-up one for a new user.
  const usernames = rows.map((row) => {
    const matched = matchOf(row);
    if (row.cells.username) return row.cells.username;
    if (matched?.length === 1 && choices.mode !== 'create') return matched[0]!.username;
    return choices.mode === 'update' ? '' : generate(row);
  });

  // Who each row is, for supervisor references within the file: username, email, DN, display name.
  const fileIndex = new Map<string, string>();
  rows.forEach((row, i) => {
    const username = usernames[i]!.toLowerCase();
    if (!username) return;
    const c = row.cells;
    const name = (c.fullName || `${c.firstName ?? ''} ${c.lastName ?? ''}`).trim().toLowerCase();
    for (const ref of [c.distinguishedName?.toLowerCase(), c.email?.toLowerCase(), name, username])
      if (ref) fileIndex.set(ref, username);
  });
  /** The reference as the supervisor's lookups read it: a DN by its common name. */
  const lookupKey = (value: string) => (commonNameOf(value) ?? value).toLowerCase();
  const refs = new Set(
    rows
      .map((r) => r.cells.supervisor ?? '')
      .filter((v) => v && !fileIndex.has(v.toLowerCase()))
      .map(lookupKey),
  );
  const people = peopleNamed(db, actor, refs);
  const supervisorOf = new Map(
    rows.map((row, i) => [usernames[i]!.toLowerCase(), fileIndex.get((row.cells.supervisor ?? '').toLowerCase())]),
  );
  /** The chain of supervisors in the file above a user, when it leads back to them. */
  const circle = (username: string): string[] | undefined => {
    const chain = [username];
    for (let next = supervisorOf.get(username); next; next = supervisorOf.get(next)) {
      if (next === username) return [...chain, next];
      if (chain.includes(next)) return undefined;
      chain.push(next);
    }
    return undefined;
  };

  const matchedByUsername = new Map<string, ExistingUser>();
  const matchedSupervisors = new Set<number>();
  for (const found of [existing, linked])
    for (const users of found.values())
      for (const u of users) {
        matchedByUsername.set(u.username.toLowerCase(), u);
        if (u.supervisorId) matchedSupervisors.add(u.supervisorId);
      }
  const supervisorLabels = labelsOf(db, matchedSupervisors);
  const labelOf = (person: Person) => {
    supervisorLabels.set(person.id, person.label);
    return person.label;
  };

  const checked = rows.map((row, index): CheckedRow => {
    const cells = row.cells;
    const problems: RowProblem[] = [];
    const problem = (field: ImportField | '', message: string) =>
      problems.push({ line: row.line, column: field ? IMPORT_COLUMNS[field].header : '', message });
    const cell = (field: ImportField) => cells[field] ?? '';
    const username = usernames[index]!;
    const fail = (): CheckedRow => ({
      line: row.line,
      cells,
      action: 'error',
      username,
      generated: false,
      changes: {},
      problems,
    });

    if (row.extraValues > 0) problem('', 'This row has more values than the header line has columns.');
    for (const said of row.sourceProblems ?? []) problem(said.column, said.message);
    // Said here rather than cut: a value is imported whole or not at all. A field too long is
    // not checked further, so it is named once.
    const tooLong = new Set<ImportField>();
    for (const [field, limit] of LIMITED_COLUMNS) {
      const size = cell(field).length;
      if (size <= limit) continue;
      tooLong.add(field);
      problem(
        field,
        `Too long: ${size.toLocaleString('en')} characters where at most ${limit.toLocaleString('en')} fit.`,
      );
    }
    const mapped = (field: ImportField) => has(field) && !tooLong.has(field);

    // Create or update, by whether the row's key finds someone.
    const matches = choices.mode === 'create' && !has(key) ? undefined : matchOf(row);
    const keyValue = cell(key);
    let target: ExistingUser | undefined;
    if (tooLong.has(key)) target = undefined;
    else if (choices.mode !== 'create' && !keyValue)
      problem(key, `Missing ${key === 'email' ? 'email' : 'username'}: users are matched on it.`);
    else if (matches && matches.length > 1)
      problem(key, `${matches.length} users have the email “${keyValue}”: give their usernames instead.`);
    else if (matches?.length === 1) {
      const otherEntry = row.directoryId && !linkedTo(row) ? matches[0]!.directoryId : null;
      if (otherEntry)
        problem(
          key,
          `The user “${keyValue}” in Roster comes from another directory entry (${otherEntry}), so this entry does not update them.`,
        );
      else if (choices.mode === 'create')
        problem(
          key,
          key === 'email'
            ? `A user with the email “${keyValue}” is already in Roster. To update them, choose an update mode.`
            : 'This username is already taken. To update that user, choose an update mode.',
        );
      else if (!matches[0]!.visible) problem(key, `The user “${keyValue}” is outside your scope.`);
      else target = matches[0];
    } else if (choices.mode === 'update') problem(key, `No user with the ${key} “${keyValue}” to update.`);
    const sameKey = (key === 'email' ? inFileKeys : inFile).get(keyValue.toLowerCase()) ?? [];
    if (sameKey.length > 1)
      problem(
        key,
        `${key === 'email' ? 'Email' : 'Username'} “${keyValue}” is in the file more than once (lines ${sameKey.join(', ')}).`,
      );

    const creating = !target;
    /** The value a field ends with: the file's when mapped, or the user's as it is. */
    const base: UserValues = target
      ? {
          username: target.username,
          firstName: target.firstName,
          lastName: target.lastName,
          fullName: target.fullName,
          signature: target.signature,
          email: target.email,
          phone: target.phone,
          extension: target.extension,
          notes: target.notes,
          userTypeId: target.userTypeId!,
          roleId: target.roleId,
          territoryId: target.territoryId,
          supervisorId: target.supervisorId,
          licenceType: target.licenceType as UserValues['licenceType'],
          status: target.status as UserValues['status'],
          memberships: target.memberships,
          kind: 'user',
          twoStepEnabled: false,
          availability: null,
        }
      : {
          username: '',
          firstName: '',
          lastName: '',
          fullName: '',
          signature: '',
          email: '',
          phone: '',
          extension: '',
          notes: '',
          userTypeId: choices.defaultUserTypeId ?? 0,
          roleId: null,
          territoryId: null,
          supervisorId: null,
          licenceType: 'none',
          status: 'active',
          memberships: Object.fromEntries(MEMBERSHIPS.map((m) => [m, []])) as unknown as UserValues['memberships'],
          kind: 'user',
          twoStepEnabled: false,
          availability: null,
        };
    const values: UserValues = { ...base, memberships: { ...base.memberships } };

    for (const field of TEXT_FIELDS) if (mapped(field)) values[field] = cell(field);
    if (!mapped('username') || !cell('username')) values.username = username;
    for (const [field, words] of [
      ['firstName', 'first name'],
      ['lastName', 'last name'],
    ] as const)
      if (!values[field] && !tooLong.has(field) && (creating || mapped(field))) problem(field, `Missing ${words}.`);
    if (!values.username) problem('username', 'Missing username: give one, or both names to make one from.');
    else if (!USERNAME.test(values.username))
      problem('username', 'Use up to 64 letters, digits and . _ @ + - (no spaces).');
    else if (
      values.username.toLowerCase() !== target?.username.toLowerCase() &&
      !problems.some((p) => p.column === IMPORT_COLUMNS.username.header)
    ) {
      const lines = inFile.get(values.username.toLowerCase()) ?? [];
      if (lines.length > 1)
        problem('username', `Username “${values.username}” is in the file more than once (lines ${lines.join(', ')}).`);
      else if (cell('username') && held(values.username)) problem('username', 'This username is already taken.');
    }
    if (values.email !== '' && !EMAIL.test(values.email))
      problem('email', 'Enter an email address like name@example.com.');

    for (const [field, [list, column]] of Object.entries(SINGLE) as [
      keyof typeof SINGLE,
      (typeof SINGLE)[keyof typeof SINGLE],
    ][]) {
      if (!mapped(field)) continue;
      const name = cell(field);
      if (!name) {
        if (field !== 'userType') values[column] = null as never;
        else if (creating && choices.defaultUserTypeId === null) problem(field, 'Missing user type.');
        continue;
      }
      const id = idOf(list, name);
      if (id === undefined) problem(field, `Unknown ${SINGULAR[list]} “${name}”.`);
      else values[column] = id as never;
    }
    if (creating && !values.userTypeId && !has('userType')) problem('userType', 'Missing user type.');
    for (const list of MEMBERSHIPS) {
      if (!mapped(list)) continue;
      const ids = splitNames(cell(list)).flatMap((name) => {
        const id = idOf(list, name);
        if (id === undefined) problem(list, `Unknown ${SINGULAR[list]} “${name}”.`);
        return id === undefined ? [] : [id];
      });
      values.memberships[list] = [...new Set(ids)].sort((a, b) => a - b);
    }
    if (mapped('licenceType') && cell('licenceType')) {
      const licence = LICENCE_TYPES.find((l) => l === cell('licenceType').toLowerCase());
      if (!licence)
        problem('licenceType', `Unknown licence “${cell('licenceType')}”: use ${LICENCE_TYPES.join(', ')}.`);
      else values.licenceType = licence;
    }
    const status = statusOf(cells);
    if ('problem' in status) problem(status.problem.column, status.problem.message);
    else if (status.status) values.status = status.status;

    // The supervisor: someone else in the file, or someone in Roster, by username, email, DN or name.
    let supervisorInFile: string | undefined;
    let supervisorLabel: string | null = target?.supervisorId
      ? (supervisorLabels.get(target.supervisorId) ?? null)
      : null;
    if (mapped('supervisor')) {
      const reference = cell('supervisor');
      const own = values.username.toLowerCase();
      const inTheFile = fileIndex.get(reference.toLowerCase());
      if (!reference) [values.supervisorId, supervisorLabel] = [null, null];
      else if (inTheFile === own) problem('supervisor', 'A user cannot supervise themselves.');
      else if (inTheFile) {
        const round = circle(own);
        const alreadyThere = matchedByUsername.get(inTheFile);
        if (round) problem('supervisor', `Supervisors go round in a circle: ${round.join(' → ')}.`);
        else if (alreadyThere) {
          values.supervisorId = alreadyThere.id;
          if (target?.supervisorId !== alreadyThere.id) supervisorLabel = alreadyThere.username;
        } else [supervisorInFile, values.supervisorId, supervisorLabel] = [inTheFile, null, inTheFile];
      } else {
        const found = people.get(lookupKey(reference)) ?? [];
        const current = found.find((p) => p.id === target?.supervisorId);
        const what = commonNameOf(reference) ? 'the manager' : 'the supervisor';
        if (found.length === 0)
          problem('supervisor', `No user “${commonNameOf(reference) ?? reference}” to be ${what}.`);
        else if (!current && found.length > 1)
          problem(
            'supervisor',
            `${found.length} users are called “${commonNameOf(reference) ?? reference}”: give ${what}'s username or email instead.`,
          );
        else {
          const person = current ?? found[0]!;
          if (person.id === target?.id) problem('supervisor', 'A user cannot supervise themselves.');
          values.supervisorId = person.id;
          supervisorLabel = labelOf(person);
        }
      }
    }

    if (actor.scope !== 'everyone') {
      const given = {
        groups: values.memberships.groups,
        companies: values.memberships.companies,
        territories: values.territoryId === null ? [] : [values.territoryId],
        userTypes: values.userTypeId ? [values.userTypeId] : [],
      };
      const heldNow = target && {
        groups: target.memberships.groups,
        companies: target.memberships.companies,
        territories: target.territoryId === null ? [] : [target.territoryId],
        userTypes: target.userTypeId === null ? [] : [target.userTypeId],
      };
      const column = {
        groups: 'groups',
        companies: 'companies',
        territories: 'territory',
        userTypes: 'userType',
      } as const;
      for (const [kind, message] of Object.entries(scopeProblems(actor, given, heldNow)))
        problem(column[kind as keyof typeof column], message);
    }
    if (problems.length > 0) return fail();

    // What changes, in words, as the audit says it.
    const changes: Changes = {};
    const note = (field: string, from: unknown, to: unknown) => {
      const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
      if (creating ? !empty(to) : from !== to) changes[field] = [creating ? null : from, to];
    };
    for (const field of TEXT_FIELDS) note(field, base[field], values[field]);
    for (const [field, [list, column]] of Object.entries(SINGLE))
      note(field, nameOf(list, base[column]), nameOf(list, values[column]));
    for (const list of MEMBERSHIPS)
      if (creating || !sameIds(base.memberships[list], values.memberships[list])) {
        const names = (ids: number[]) => ids.map((id) => nameOf(list, id)!).sort((a, b) => a.localeCompare(b));
        if (creating) note(list, null, names(values.memberships[list]));
        else changes[list] = [names(base.memberships[list]), names(values.memberships[list])];
      }
    if (supervisorInFile || base.supervisorId !== values.supervisorId || (creating && values.supervisorId))
      changes.supervisor = [
        creating || !target?.supervisorId ? null : (supervisorLabels.get(target.supervisorId) ?? null),
        supervisorLabel,
      ];
    note('licenceType', base.licenceType, values.licenceType);
    note('status', base.status, values.status);
    if (creating) changes.kind = [null, 'user'];
    // The link to the directory entry: made by the first import from it, and kept through renames.
    if (row.directoryId && row.directoryId !== target?.directoryId)
      changes.directoryId = [target?.directoryId ?? null, row.directoryId];

    const action: RowAction = creating ? 'create' : Object.keys(changes).length > 0 ? 'update' : 'unchanged';
    return {
      line: row.line,
      cells,
      action,
      username: values.username,
      generated: creating && !cell('username'),
      userId: target?.id,
      values,
      changes,
      supervisorInFile,
      directoryId: row.directoryId,
      problems,
    };
  });
  return { rows: checked, problems: checked.flatMap((r) => r.problems), options, newValues };
}
