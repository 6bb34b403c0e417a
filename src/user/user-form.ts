import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { LICENCE_TYPES, type ScopeKind, USER_KINDS, USER_STATUSES, type User, type UserText } from '../db/schema.js';
import { allRows, oneRow } from '../db/statements.js';
import { type PasswordPolicy, passwordProblem } from '../auth/passwords.js';
import { scopeProblems, scopeValuesOf, visibleTo } from '../access/scope.js';
import type { Option } from '../reference/reference-lists.js';
import { type Membership, MEMBERSHIPS, REFERENCE_TABLES, type ReferenceList } from '../reference/reference-tables.js';
import type { Actor } from '../access/actor.js';
import { EMAIL } from '../email-address.js';
import { personIdOf, personLabel } from './supervisor-label.js';

export const PASSWORD_MODES = ['generate', 'set', 'none'] as const;
export type PasswordMode = (typeof PASSWORD_MODES)[number];

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The form as typed: strings throughout, so a refused form comes back exactly as it was sent. */
export interface UserFormInput extends UserText {
  userTypeId: string;
  roleId: string;
  territoryId: string;
  groups: string[];
  teams: string[];
  companies: string[];
  addons: string[];
  databases: string[];
  /** "Name (id)", as the suggestions offer it; only the id counts. */
  supervisor: string;
  licenceType: string;
  status: string;
  twoStep: boolean;
  kind: string;
  hoursOdd: string[];
  hoursEven: string[];
  passwordMode: string;
  password: string;
  mustChangePassword: boolean;
  /** Edit only: drop the stored avatar. The file itself is never part of the typed input. */
  removeAvatar: boolean;
}

/** What the form writes, checked and typed. */
export interface UserValues
  extends
    UserText,
    Pick<User, 'territoryId' | 'supervisorId' | 'licenceType' | 'status' | 'twoStepEnabled' | 'kind' | 'availability'> {
  userTypeId: number;
  roleId: number | null;
  memberships: Record<Membership, number[]>;
}

export type FormErrors = Record<string, string>;

/** Every reference list, whole, for the form's choices. */
export type FormOptions = Record<ReferenceList, Option[]>;

/** Reference lists are small (superusers keep them), so the form reads them whole. */
export function formOptions(db: Queryable): FormOptions {
  const entries = Object.entries(REFERENCE_TABLES).map(([key, table]) => [
    key,
    allRows<Option>(db, sql`select id, name from ${sql.raw(table)} order by name`),
  ]);
  return Object.fromEntries(entries) as FormOptions;
}

export function blankInput(): UserFormInput {
  return {
    username: '',
    firstName: '',
    lastName: '',
    fullName: '',
    signature: '',
    email: '',
    phone: '',
    extension: '',
    userTypeId: '',
    roleId: '',
    territoryId: '',
    groups: [],
    teams: [],
    companies: [],
    addons: [],
    databases: [],
    supervisor: '',
    licenceType: 'none',
    status: 'active',
    twoStep: false,
    kind: 'user',
    hoursOdd: WEEKDAYS.map(() => ''),
    hoursEven: WEEKDAYS.map(() => ''),
    notes: '',
    passwordMode: 'generate',
    password: '',
    mustChangePassword: true,
    removeAvatar: false,
  };
}

const many = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String).slice(0, 1000);

/**
 * The longest text each field of the form keeps, in characters. The form caps what is typed;
 * an import refuses a longer value instead, so nothing is cut without the person seeing it.
 */
export const TEXT_LIMITS = {
  username: 200,
  firstName: 200,
  lastName: 200,
  fullName: 200,
  signature: 20,
  email: 320,
  phone: 50,
  extension: 20,
  supervisor: 300,
  notes: 10_000,
} as const;

/** Reads a posted form; text is trimmed and capped so what is checked is what is stored. */
export function readUserForm(body: Record<string, unknown> | undefined): UserFormInput {
  const b = body ?? {};
  const text = (name: string, max = 200) =>
    String(b[name] ?? '')
      .trim()
      .slice(0, max);
  const hours = (prefix: string) => WEEKDAYS.map((_, i) => text(`${prefix}${i}`, 10));
  return {
    username: text('username', TEXT_LIMITS.username),
    firstName: text('firstName', TEXT_LIMITS.firstName),
    lastName: text('lastName', TEXT_LIMITS.lastName),
    fullName: text('fullName', TEXT_LIMITS.fullName),
    signature: text('signature', TEXT_LIMITS.signature),
    email: text('email', TEXT_LIMITS.email),
    phone: text('phone', TEXT_LIMITS.phone),
    extension: text('extension', TEXT_LIMITS.extension),
    userTypeId: text('userTypeId', 20),
    roleId: text('roleId', 20),
    territoryId: text('territoryId', 20),
    groups: many(b.groups),
    teams: many(b.teams),
    companies: many(b.companies),
    addons: many(b.addons),
    databases: many(b.databases),
    supervisor: text('supervisor', TEXT_LIMITS.supervisor),
    licenceType: text('licenceType', 20),
    status: text('status', 20),
    twoStep: b.twoStep === 'on',
    kind: text('kind', 20),
    hoursOdd: hours('hoursOdd'),
    hoursEven: hours('hoursEven'),
    notes: String(b.notes ?? '').slice(0, TEXT_LIMITS.notes),
    passwordMode: text('passwordMode', 20) || 'generate',
    password: String(b.password ?? '').slice(0, 1000),
    mustChangePassword: b.mustChangePassword === 'on',
    removeAvatar: b.removeAvatar === 'on',
  };
}

export const USERNAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;
const HOURS = /^\d{1,2}([.,]\d{1,2})?$/;

/** The form field that holds each kind a scope can name. */
const SCOPE_FIELDS: Record<ScopeKind, string> = {
  groups: 'groups',
  companies: 'companies',
  territories: 'territoryId',
  userTypes: 'userTypeId',
};

interface ValidationContext {
  actor: Actor;
  /** The user being edited; absent on New. */
  userId?: number;
  /** Set on New: the password section is part of the form. */
  policy?: PasswordPolicy;
  /** The reference lists, read once by a caller that checks many users in a row (an import). */
  options?: FormOptions;
  /** The form asks for a role; an imported user may be given one later. */
  roleOptional?: boolean;
}

/** Checks the form against the rules and the database; returns the values or the problems. */
export function validateUserForm(
  db: Queryable,
  input: UserFormInput,
  context: ValidationContext,
): { values: UserValues; errors?: undefined } | { values?: undefined; errors: FormErrors } {
  const errors: FormErrors = {};
  const options = context.options ?? formOptions(db);
  const idIn = (list: Option[], value: string) => {
    const id = Number(value);
    return list.some((o) => o.id === id) ? id : undefined;
  };

  if (input.username === '') errors.username = 'Enter a username.';
  else if (!USERNAME.test(input.username)) errors.username = 'Use up to 64 letters, digits and . _ @ + - (no spaces).';
  else if (usernameTaken(db, input.username, context.userId)) errors.username = 'This username is already taken.';

  if (input.email !== '' && !EMAIL.test(input.email)) errors.email = 'Enter an email address like name@example.com.';

  const userTypeId = idIn(options.userTypes, input.userTypeId);
  if (userTypeId === undefined) errors.userTypeId = 'Choose a user type.';
  const roleId = input.roleId === '' && context.roleOptional ? null : idIn(options.roles, input.roleId);
  if (roleId === undefined) errors.roleId = 'Choose a role.';
  let territoryId: number | null = null;
  if (input.territoryId !== '') {
    territoryId = idIn(options.territories, input.territoryId) ?? null;
    if (territoryId === null) errors.territoryId = 'Choose a territory from the list.';
  }

  const memberships = {} as Record<Membership, number[]>;
  for (const key of MEMBERSHIPS) {
    const ids = [...new Set(input[key].map((v) => idIn(options[key], v)))];
    if (ids.includes(undefined)) errors[key] = 'Choose only from the list.';
    memberships[key] = ids.filter((id): id is number => id !== undefined);
  }

  const inScope = scopeProblems(
    context.actor,
    {
      groups: memberships.groups,
      companies: memberships.companies,
      territories: territoryId === null ? [] : [territoryId],
      userTypes: userTypeId === undefined ? [] : [userTypeId],
    },
    context.userId === undefined ? undefined : scopeValuesOf(db, context.userId),
  );
  for (const [kind, problem] of Object.entries(inScope)) errors[SCOPE_FIELDS[kind as ScopeKind]] ??= problem;

  let supervisorId: number | null = null;
  if (input.supervisor !== '') {
    const id = personIdOf(db, input.supervisor);
    if (id === undefined || !visibleSupervisor(db, context.actor, id)) {
      errors.supervisor = 'Choose a supervisor from the suggestions.';
    } else if (id === context.userId) {
      errors.supervisor = 'A user cannot supervise themselves.';
    } else supervisorId = id;
  }

  const licenceType = LICENCE_TYPES.find((l) => l === input.licenceType);
  if (!licenceType) errors.licenceType = 'Choose a licence type.';
  const status = USER_STATUSES.find((s) => s === input.status);
  if (!status) errors.status = 'Choose a status.';
  const kind = USER_KINDS.find((k) => k === input.kind);
  if (!kind) errors.kind = 'Choose a kind.';

  let availability: UserValues['availability'] = null;
  if (kind === 'resource') {
    const read = (values: string[], prefix: string) =>
      values.map((raw, i) => {
        if (raw === '') return 0;
        const hours = Number(raw.replace(',', '.'));
        if (!HOURS.test(raw) || !(hours >= 0 && hours <= 24)) {
          errors[`${prefix}${i}`] = `${WEEKDAYS[i]}: enter hours from 0 to 24.`;
        }
        return hours;
      });
    availability = { odd: read(input.hoursOdd, 'hoursOdd'), even: read(input.hoursEven, 'hoursEven') };
  }

  if (context.policy) {
    if (!(PASSWORD_MODES as readonly string[]).includes(input.passwordMode)) {
      errors.passwordMode = 'Choose how the password is set.';
    } else if (input.passwordMode === 'set') {
      const problem = passwordProblem(input.password, context.policy, input.username);
      if (problem) errors.password = problem;
    }
  }

  if (Object.keys(errors).length > 0) return { errors };
  return {
    values: {
      username: input.username,
      firstName: input.firstName,
      lastName: input.lastName,
      fullName: input.fullName,
      signature: input.signature,
      email: input.email,
      phone: input.phone,
      extension: input.extension,
      userTypeId: userTypeId!,
      roleId: roleId ?? null,
      territoryId,
      supervisorId,
      licenceType: licenceType!,
      status: status!,
      twoStepEnabled: input.twoStep,
      kind: kind!,
      availability,
      notes: input.notes,
      memberships,
    },
  };
}

export function usernameTaken(db: Queryable, username: string, exceptId?: number): boolean {
  // Only users not in the trash hold their name: restoring one whose name was taken since asks for another.
  const row = oneRow<{ id: number }>(
    db,
    sql`select id from users where lower(username) = ${username.toLowerCase()} and deleted_at is null and id <> ${exceptId ?? 0}`,
  );
  return row !== undefined;
}

function visibleSupervisor(db: Queryable, actor: Actor, id: number): boolean {
  return oneRow(db, sql`select 1 from users where ${visibleTo(actor)} and id = ${id}`) !== undefined;
}

/** The form as a stored user fills it: for Edit, and for Clone once identity is removed. */
export function inputFromUser(db: Queryable, user: User): UserFormInput {
  const member = (table: string) =>
    allRows<{ id: number }>(db, sql`select ref_id as id from ${sql.raw(table)} where user_id = ${user.id}`).map((r) =>
      String(r.id),
    );
  const hours = (list: number[] | undefined) => WEEKDAYS.map((_, i) => (list?.[i] ? String(list[i]) : ''));
  return {
    ...blankInput(),
    username: user.username,
    firstName: user.firstName,
    lastName: user.lastName,
    fullName: user.fullName,
    signature: user.signature,
    email: user.email,
    phone: user.phone,
    extension: user.extension,
    userTypeId: user.userTypeId ? String(user.userTypeId) : '',
    roleId: user.roleId ? String(user.roleId) : '',
    territoryId: user.territoryId ? String(user.territoryId) : '',
    groups: member('user_groups'),
    teams: member('user_teams'),
    companies: member('user_companies'),
    addons: member('user_addons'),
    databases: member('user_databases'),
    supervisor: user.supervisorId ? personLabel(db, user.supervisorId) : '',
    licenceType: user.licenceType,
    status: user.status,
    twoStep: user.twoStepEnabled,
    kind: user.kind,
    hoursOdd: hours(user.availability?.odd),
    hoursEven: hours(user.availability?.even),
    notes: user.notes,
  };
}

/** Clone keeps the settings and drops what makes a person who they are (U4). */
export function cloneInput(source: UserFormInput): UserFormInput {
  return {
    ...source,
    username: '',
    firstName: '',
    lastName: '',
    fullName: '',
    signature: '',
    email: '',
    phone: '',
    extension: '',
    password: '',
    passwordMode: 'generate',
    mustChangePassword: true,
  };
}
