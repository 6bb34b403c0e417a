import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/connection.js';
import { LICENCE_TYPES, USER_STATUSES } from '../db/schema.js';
import { oneRow } from '../db/statements.js';
import { normalize, transliterate } from '../text.js';
import { personLabelSql } from '../user/supervisor-label.js';
import type { Option } from '../reference/reference-lists.js';
import { MEMBERSHIPS, type ReferenceList } from '../reference/reference-tables.js';
import { visibleTo } from '../access/scope.js';
import {
  type FormOptions,
  formOptions,
  readUserForm,
  usernameTaken,
  TEXT_LIMITS,
  type UserValues,
  validateUserForm,
} from '../user/user-form.js';
import { MAX_ITEM_NAME } from '../reference/item-name.js';
import { IMPORT_COLUMNS, type ImportField } from './columns.js';
import type { ImportRow } from './read-csv.js';
import type { Actor } from '../access/actor.js';

/** One problem with one row, as the preview and the error report show it. */
export interface RowProblem {
  line: number;
  column: string;
  message: string;
}

export interface CheckedRow {
  line: number;
  cells: ImportRow['cells'];
  /** The username the user gets: the file's, or one made from their names. */
  username: string;
  generated: boolean;
  values?: UserValues;
  /** A supervisor who is created by the same file, by lower-case username: linked once both exist. */
  supervisorInFile?: string;
  /** The supervisor's name as the audit shows it: "Name (id)", for one already in the directory. */
  supervisorLabel?: string;
  problems: RowProblem[];
}

export interface ImportCheck {
  rows: CheckedRow[];
  problems: RowProblem[];
  options: FormOptions;
}

/** How a reference list names one of its entries in a message. */
const SINGULAR: Record<ReferenceList, string> = {
  userTypes: 'user type',
  roles: 'role',
  territories: 'territory',
  groups: 'group',
  teams: 'team',
  companies: 'company',
  addons: 'add-on',
  databases: 'database',
};

/** The user form's field names, and the import column each one comes from. */
const FORM_FIELD_COLUMN: Record<string, ImportField> = {
  username: 'username',
  email: 'email',
  userTypeId: 'userType',
  roleId: 'role',
  territoryId: 'territory',
  supervisor: 'supervisor',
  licenceType: 'licenceType',
  status: 'status',
  groups: 'groups',
  teams: 'teams',
  companies: 'companies',
  addons: 'addons',
  databases: 'databases',
};

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

/**
 * The longest value each column may hold: what the user form keeps, and the longest name a
 * reference list has. Lists of names (groups…) are checked name by name against the lists.
 */
const COLUMN_LIMITS: Partial<Record<ImportField, number>> = {
  ...TEXT_LIMITS,
  userType: MAX_ITEM_NAME,
  role: MAX_ITEM_NAME,
  territory: MAX_ITEM_NAME,
  licenceType: 20,
  status: 20,
};

/** A list cell: names separated by semicolons or commas. */
const splitNames = (cell: string) => [
  ...new Set(
    cell
      .split(/[;,]/)
      .map((n) => n.trim())
      .filter(Boolean),
  ),
];

/** A name made from a person's names as an administrator would write it: "Åsa Holm-Berg" → asa.holm-berg. */
function usernameBase(firstName: string, lastName: string): string {
  const part = (name: string) => normalize(transliterate(name)).replace(/[^\p{L}\p{N}-]+/gu, '');
  return [part(firstName), part(lastName)].filter(Boolean).join('.').slice(0, 60);
}

/**
 * Checks every row of an import against the user form's own rules and the directory, and
 * resolves the names in it (user type, groups, supervisor…) to the ids the form writes. Run
 * for the preview, and again inside the import's transaction, where the directory may have
 * changed since.
 */
export function checkRows(db: Queryable, actor: Actor, rows: ImportRow[]): ImportCheck {
  const options = formOptions(db);
  const byName = Object.fromEntries(
    Object.entries(options).map(([list, entries]) => [list, new Map(entries.map((o) => [normalize(o.name), o]))]),
  ) as Record<ReferenceList, Map<string, Option>>;

  // The file's own usernames first: a made-up name never takes one the file asks for.
  const inFile = new Map<string, number[]>();
  for (const row of rows) {
    const name = (row.cells.username ?? '').toLowerCase();
    if (name) inFile.set(name, [...(inFile.get(name) ?? []), row.line]);
  }
  const taken = new Set(inFile.keys());
  const generate = (row: ImportRow) => {
    const base = usernameBase(row.cells.firstName ?? '', row.cells.lastName ?? '');
    if (!base) return '';
    let candidate = base;
    for (let n = 2; taken.has(candidate) || usernameTaken(db, candidate); n++) candidate = `${base}${n}`;
    taken.add(candidate);
    return candidate;
  };

  // Every row's username, the file's or a made-up one, so a supervisor may be either.
  const usernames = rows.map((row) => row.cells.username || generate(row));
  const created = new Set(usernames.map((name) => name.toLowerCase()).filter(Boolean));
  const supervisorOf = new Map(
    rows.map((row, i) => [usernames[i]!.toLowerCase(), (row.cells.supervisor ?? '').toLowerCase()]),
  );
  /** The chain of supervisors in the file above a user, when it leads back to them. */
  const circle = (username: string): string[] | undefined => {
    const chain = [username];
    for (let next = supervisorOf.get(username); next && created.has(next); next = supervisorOf.get(next)) {
      if (next === username) return [...chain, next];
      if (chain.includes(next)) return undefined;
      chain.push(next);
    }
    return undefined;
  };

  const supervisors = new Map<string, { id: number; label: string } | undefined>();
  const supervisorInDirectory = (username: string) => {
    if (!supervisors.has(username)) {
      const found = oneRow<{ id: number; label: string }>(
        db,
        sql`select id, ${personLabelSql('users')} as label from users
            where ${visibleTo(actor)} and lower(username) = ${username}`,
      );
      supervisors.set(username, found);
    }
    return supervisors.get(username);
  };

  const checked = rows.map((row, index): CheckedRow => {
    const cells = row.cells;
    const problems: RowProblem[] = [];
    const problem = (field: ImportField | '', message: string) =>
      problems.push({ line: row.line, column: field ? IMPORT_COLUMNS[field].header : '', message });
    const cell = (field: ImportField) => cells[field] ?? '';

    if (row.extraValues > 0) problem('', 'This row has more values than the header line has columns.');
    // Said here rather than cut by the form's reader: a value is imported whole or not at all.
    const tooLong = new Set<ImportField>();
    for (const [field, limit] of Object.entries(COLUMN_LIMITS) as [ImportField, number][]) {
      // Counted as the form's reader counts when it caps a value, so nothing longer gets through.
      const size = cell(field).length;
      if (size <= limit) continue;
      tooLong.add(field);
      problem(
        field,
        `Too long: ${size.toLocaleString('en')} characters where at most ${limit.toLocaleString('en')} fit.`,
      );
    }
    if (!cell('firstName')) problem('firstName', 'Missing first name.');
    if (!cell('lastName')) problem('lastName', 'Missing last name.');

    const explicit = cell('username');
    const username = usernames[index]!;
    const lines = inFile.get(explicit.toLowerCase()) ?? [];
    if (lines.length > 1) {
      problem('username', `Username “${explicit}” is in the file more than once (lines ${lines.join(', ')}).`);
    }

    const one = (field: ImportField, list: ReferenceList, required = false): string => {
      const name = cell(field);
      if (tooLong.has(field)) return '';
      if (!name) {
        if (required) problem(field, `Missing ${SINGULAR[list]}.`);
        return '';
      }
      const found = byName[list].get(normalize(name));
      if (!found) problem(field, `Unknown ${SINGULAR[list]} “${name}”.`);
      return found ? String(found.id) : '';
    };
    const many = (field: ImportField & ReferenceList): string[] =>
      splitNames(cell(field)).flatMap((name) => {
        const found = byName[field].get(normalize(name));
        if (!found) problem(field, `Unknown ${SINGULAR[field]} “${name}”.`);
        return found ? [String(found.id)] : [];
      });
    const choice = (field: ImportField, allowed: readonly string[], fallback: string) => {
      const value = cell(field).toLowerCase() || fallback;
      if (!allowed.includes(value) && !tooLong.has(field))
        problem(
          field,
          `Unknown ${IMPORT_COLUMNS[field].header.toLowerCase()} “${cell(field)}”: use ${allowed.join(', ')}.`,
        );
      return value;
    };

    let supervisor = '';
    let supervisorInFile: string | undefined;
    let supervisorLabel: string | undefined;
    const boss = tooLong.has('supervisor') ? '' : cell('supervisor').toLowerCase();
    if (boss && boss === username.toLowerCase()) problem('supervisor', 'A user cannot supervise themselves.');
    else if (boss && created.has(boss)) {
      const round = circle(username.toLowerCase());
      if (round) problem('supervisor', `Supervisors go round in a circle: ${round.join(' → ')}.`);
      else supervisorInFile = boss;
    } else if (boss) {
      const found = supervisorInDirectory(boss);
      if (!found) problem('supervisor', `No user “${cell('supervisor')}” to be the supervisor.`);
      else [supervisor, supervisorLabel] = [String(found.id), found.label];
    }

    // The form's reader trims as for a typed form; its caps cut nothing, longer values were refused above.
    const input = readUserForm({
      ...cells,
      username,
      userTypeId: one('userType', 'userTypes', true),
      roleId: one('role', 'roles'),
      territoryId: one('territory', 'territories'),
      ...Object.fromEntries(MEMBERSHIPS.map((list) => [list, many(list)])),
      supervisor,
      licenceType: choice('licenceType', LICENCE_TYPES, 'none'),
      status: choice('status', USER_STATUSES, 'active'),
      kind: 'user',
    });
    const result = validateUserForm(db, input, { actor, options, roleOptional: true });
    // The form's own rules speak for the columns the import has not already found fault with.
    const named = new Set(problems.map((p) => p.column));
    for (const [key, message] of Object.entries(result.errors ?? {})) {
      const field = FORM_FIELD_COLUMN[key];
      const column = field ? IMPORT_COLUMNS[field].header : key;
      if (!named.has(column))
        problem(
          field ?? '',
          field === 'username' && !username ? 'Missing username: give one, or both names to make one from.' : message,
        );
    }
    return {
      line: row.line,
      cells,
      username,
      generated: !explicit,
      values: problems.length === 0 ? result.values : undefined,
      supervisorInFile,
      supervisorLabel,
      problems,
    };
  });
  return { rows: checked, problems: checked.flatMap((r) => r.problems), options };
}
