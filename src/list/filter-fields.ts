import { COLUMN_BY_KEY, type ColumnKey } from './columns.js';
import {
  CAN_SIGN_IN,
  choiceColumn,
  dateColumn,
  displayName,
  type FieldSql,
  lockedNow,
  membershipList,
  numberColumn,
  singleReference,
  statusColumn,
  supervisor,
  textColumn,
  yesNoColumn,
} from './filter-sql.js';
import type { FieldType } from './filter-types.js';
import { MEMBERSHIP_LISTS, type ReferenceList, SINGLE_REFERENCES } from '../reference/reference-tables.js';

/**
 * The one table of fields the users list can be filtered on. The URL parser (list-query.ts),
 * the SQL (list-repository.ts), the chips and the filter bar (filter-view.ts, the users views)
 * all read it, so a field is added, renamed or changed here alone. Like Django's list_filter:
 * every field can be filtered on any way its type allows ("Filter on any field"); a few are
 * also quick filters, a drop-down of values in the filter bar with a URL parameter of their own.
 */

/** A quick filter: one value picked from a list, kept in the URL as `param`. */
export interface QuickFilterDef {
  /** Its name in the list query's `filters`. */
  key: string;
  param: string;
  /** The drop-down's first choice, which is no filter. */
  any: string;
  /** Folded under "More filters" rather than shown in the search row. */
  folded: boolean;
  /**
   * Where its values come from: a reference list (by id), the field's own choices (by code),
   * or a user picked elsewhere (the supervisor, from a row's link), which has no drop-down.
   */
  from: ReferenceList | 'choices' | 'picked';
}

interface FieldDef {
  key: string;
  /** Given for fields that are not list columns; a column's field takes the column's label. */
  label?: string;
  type: FieldType;
  /** A choice field's stored codes and their words, in the order offered. */
  choices?: Readonly<Record<string, string>>;
  sql: FieldSql;
  quick?: QuickFilterDef;
}

const FIELDS = [
  { key: 'name', type: 'text', sql: displayName },
  { key: 'username', type: 'text', sql: textColumn('u.username') },
  { key: 'email', type: 'text', sql: textColumn('u.email') },
  { key: 'firstName', type: 'text', sql: textColumn('u.first_name') },
  { key: 'lastName', type: 'text', sql: textColumn('u.last_name') },
  { key: 'signature', type: 'text', sql: textColumn('u.signature') },
  { key: 'phone', type: 'text', sql: textColumn('u.phone') },
  { key: 'extension', type: 'text', sql: textColumn('u.extension') },
  {
    key: 'groups',
    type: 'text',
    sql: membershipList(MEMBERSHIP_LISTS.groups),
    quick: { key: 'group', param: 'group', any: 'All groups', folded: false, from: 'groups' },
  },
  { key: 'teams', type: 'text', sql: membershipList(MEMBERSHIP_LISTS.teams) },
  {
    key: 'territory',
    type: 'text',
    sql: singleReference(SINGLE_REFERENCES.territory),
    quick: { key: 'territory', param: 'territory', any: 'All territories', folded: true, from: 'territories' },
  },
  {
    key: 'companies',
    type: 'text',
    sql: membershipList(MEMBERSHIP_LISTS.companies),
    quick: { key: 'company', param: 'company', any: 'All companies', folded: true, from: 'companies' },
  },
  {
    key: 'userType',
    type: 'text',
    sql: singleReference(SINGLE_REFERENCES.userType),
    quick: { key: 'userType', param: 'type', any: 'All types', folded: true, from: 'userTypes' },
  },
  {
    key: 'role',
    type: 'text',
    sql: singleReference(SINGLE_REFERENCES.role),
    quick: { key: 'role', param: 'role', any: 'All roles', folded: true, from: 'roles' },
  },
  {
    key: 'supervisor',
    type: 'text',
    sql: supervisor,
    quick: { key: 'supervisor', param: 'supervisor', any: 'Anyone', folded: true, from: 'picked' },
  },
  {
    key: 'licence',
    type: 'choice',
    choices: { full: 'Full', viewer: 'Viewer', none: 'None' },
    sql: choiceColumn('u.licence_type'),
    quick: { key: 'licence', param: 'licence', any: 'Any licence', folded: true, from: 'choices' },
  },
  { key: 'addons', type: 'text', sql: membershipList(MEMBERSHIP_LISTS.addons) },
  { key: 'databases', type: 'text', sql: membershipList(MEMBERSHIP_LISTS.databases) },
  {
    key: 'status',
    type: 'choice',
    choices: { active: 'Active', inactive: 'Inactive', [CAN_SIGN_IN]: 'Can sign in' },
    sql: statusColumn,
    quick: { key: 'status', param: 'status', any: 'Any status', folded: false, from: 'choices' },
  },
  { key: 'kind', type: 'choice', choices: { user: 'User', resource: 'Resource' }, sql: choiceColumn('u.kind') },
  { key: 'twoStep', type: 'yesno', sql: yesNoColumn('u.two_step_enabled') },
  { key: 'blocked', label: 'Blocked', type: 'yesno', sql: yesNoColumn('u.blocked') },
  { key: 'locked', label: 'Locked', type: 'yesno', sql: lockedNow },
  {
    key: 'mustChangePassword',
    label: 'Must change password',
    type: 'yesno',
    sql: yesNoColumn('u.must_change_password'),
  },
  { key: 'failedSignins', label: 'Failed sign-ins', type: 'number', sql: numberColumn('u.failed_signin_count') },
  { key: 'lastSignin', type: 'date', sql: dateColumn('u.last_signin_at', true) },
  { key: 'created', type: 'date', sql: dateColumn('u.created_at') },
  { key: 'updated', type: 'date', sql: dateColumn('u.updated_at') },
  { key: 'notes', type: 'text', sql: textColumn('u.notes') },
] as const satisfies readonly FieldDef[];

export type FilterFieldKey = (typeof FIELDS)[number]['key'];

export interface FilterField extends FieldDef {
  key: FilterFieldKey;
  label: string;
}

/** Every filterable field, in the order the filter offers them, each with its label. */
export const FILTER_FIELDS: readonly FilterField[] = FIELDS.map((f: FieldDef) => ({
  ...f,
  key: f.key as FilterFieldKey,
  label: f.label ?? COLUMN_BY_KEY.get(f.key as ColumnKey)!.label,
}));

const BY_KEY: ReadonlyMap<string, FilterField> = new Map(FILTER_FIELDS.map((f) => [f.key, f]));

/** The field a URL names, or undefined for anything that is not one (`toString` included). */
export const filterField = (key: string): FilterField | undefined => BY_KEY.get(key);

export type QuickFilter = QuickFilterDef & { field: FilterField };

/** The quick filters, in the table's order. */
export const QUICK_FILTERS: readonly QuickFilter[] = FILTER_FIELDS.flatMap((field) =>
  field.quick ? [{ ...field.quick, field }] : [],
);

type QuickEntry = Extract<(typeof FIELDS)[number], { quick: object }>;

/** The quick filters of a list query: a reference's id, a user's id, or a choice's code. */
export type QuickFilters = {
  [E in QuickEntry as E['quick']['key']]?: E extends { choices: infer C } ? keyof C & string : number;
};
