import type { Queryable } from '../db/connection.js';
import { LICENCE_TYPES, SCOPE_KINDS, type ScopeKind, USER_STATUSES } from '../db/schema.js';
import { findVisibleUser } from '../users/repository.js';
import { type FormOptions, formOptions } from '../user/user-form.js';
import { personIdOf, personLabel } from '../user/supervisor-label.js';
import {
  type Membership,
  MEMBERSHIP_LISTS,
  MEMBERSHIPS,
  SINGLE_REFERENCES,
  type SingleReference,
} from '../reference/reference-tables.js';
import { type BulkChanges, LIST_MODES, type ListMode } from './update.js';
import type { Actor } from '../access/actor.js';
import { scopeProblem } from '../access/scope.js';

/**
 * The bulk update form: every field starts as "leave unchanged". Reading it gives the changes
 * to make, or the problems to show beside each field; the input is kept either way.
 */

export type BulkForm = Record<string, string | string[]>;
export type BulkFormErrors = Record<string, string>;

const FORM_FIELDS = [
  ...MEMBERSHIPS.flatMap((f) => [`${f}_mode`, f]),
  ...Object.keys(SINGLE_REFERENCES),
  'supervisor_mode',
  'supervisor',
  'licence',
  'status',
  'twoStep',
];

/** The form's own fields from a posted body, nothing else (the selection travels separately). */
export function readBulkForm(body: Record<string, unknown> | undefined): BulkForm {
  const form: BulkForm = {};
  for (const name of FORM_FIELDS) {
    const value = body?.[name];
    if (Array.isArray(value)) form[name] = value.map(String);
    else if (value !== undefined) form[name] = String(value).slice(0, 300);
  }
  return form;
}

const one = (form: BulkForm, name: string) => {
  const value = form[name];
  return (Array.isArray(value) ? value[value.length - 1] : value)?.trim() ?? '';
};
const many = (form: BulkForm, name: string) => [form[name] ?? []].flat();

const isScopeKind = (list: string): list is ScopeKind => (SCOPE_KINDS as readonly string[]).includes(list);

function idIn(options: { id: number }[], text: string): number | undefined {
  return options.find((o) => String(o.id) === text)?.id;
}

export function validateBulkForm(
  db: Queryable,
  actor: Actor,
  form: BulkForm,
): { changes: BulkChanges } | { errors: BulkFormErrors } {
  const options = formOptions(db);
  const errors: BulkFormErrors = {};
  const changes: BulkChanges = { lists: {}, references: {} };

  for (const field of MEMBERSHIPS) {
    const mode = one(form, `${field}_mode`);
    if (mode === '') continue;
    if (!Object.hasOwn(LIST_MODES, mode)) {
      errors[field] = 'Choose add, remove or replace.';
      continue;
    }
    const chosen = many(form, field).map((text) => idIn(options[field], text));
    if (chosen.some((id) => id === undefined)) errors[field] = 'Choose from the list.';
    else if (chosen.length === 0 && mode !== 'replace')
      errors[field] = `Choose the ${MEMBERSHIP_LISTS[field].label.toLowerCase()} to ${mode}.`;
    else changes.lists[field] = { mode: mode as ListMode, ids: [...new Set(chosen as number[])] };
    const given = changes.lists[field];
    if (given && given.mode !== 'remove' && isScopeKind(field)) {
      const problem = scopeProblem(actor, field, given.ids);
      if (problem) errors[field] = problem;
    }
  }

  for (const [field, spec] of Object.entries(SINGLE_REFERENCES) as [
    SingleReference,
    (typeof SINGLE_REFERENCES)[SingleReference],
  ][]) {
    const value = one(form, field);
    if (value === '') continue;
    if (value === 'none') changes.references[field] = null;
    else {
      const id = idIn(options[spec.list], value);
      if (id === undefined) errors[field] = 'Choose from the list.';
      else changes.references[field] = id;
    }
    const given = changes.references[field];
    const problem =
      given !== undefined && isScopeKind(spec.list) && scopeProblem(actor, spec.list, given === null ? [] : [given]);
    if (problem) errors[field] = problem;
  }

  const supervisorMode = one(form, 'supervisor_mode');
  if (supervisorMode === 'clear') changes.supervisor = null;
  else if (supervisorMode === 'set') {
    const id = personIdOf(db, one(form, 'supervisor'));
    const supervisor = id === undefined ? undefined : findVisibleUser(db, actor, id);
    if (!supervisor) errors.supervisor = 'Choose the supervisor from the suggestions.';
    else changes.supervisor = { id: supervisor.id, label: personLabel(db, supervisor.id) };
  }

  const licence = one(form, 'licence');
  if (licence !== '') {
    if ((LICENCE_TYPES as readonly string[]).includes(licence)) changes.licence = licence as BulkChanges['licence'];
    else errors.licence = 'Choose from the list.';
  }
  const status = one(form, 'status');
  if (status !== '') {
    if ((USER_STATUSES as readonly string[]).includes(status)) changes.status = status as BulkChanges['status'];
    else errors.status = 'Choose from the list.';
  }
  const twoStep = one(form, 'twoStep');
  if (twoStep === 'on' || twoStep === 'off') changes.twoStep = twoStep === 'on';
  else if (twoStep !== '') errors.twoStep = 'Choose from the list.';

  if (Object.keys(errors).length > 0) return { errors };
  if (!hasChanges(changes))
    return { errors: { form: 'Choose at least one change: every field is still “leave unchanged”.' } };
  return { changes };
}

function hasChanges(changes: BulkChanges): boolean {
  return (
    Object.keys(changes.lists).length > 0 ||
    Object.keys(changes.references).length > 0 ||
    changes.supervisor !== undefined ||
    changes.licence !== undefined ||
    changes.status !== undefined ||
    changes.twoStep !== undefined
  );
}

const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** The changes in words, one line per field, for the confirmation page. */
export function describeChanges(changes: BulkChanges, options: FormOptions): string[] {
  const nameOf = (list: { id: number; name: string }[], id: number) =>
    list.find((o) => o.id === id)?.name ?? String(id);
  const lines: string[] = [];
  for (const [field, change] of Object.entries(changes.lists) as [Membership, { mode: ListMode; ids: number[] }][]) {
    const names = change.ids.map((id) => nameOf(options[field], id)).join(', ') || 'nothing';
    lines.push(`${MEMBERSHIP_LISTS[field].label}: ${LIST_MODES[change.mode].toLowerCase()} ${names}`);
  }
  for (const [field, id] of Object.entries(changes.references) as [SingleReference, number | null][]) {
    const spec = SINGLE_REFERENCES[field];
    lines.push(`${spec.label}: ${id === null ? 'none' : nameOf(options[spec.list], id)}`);
  }
  if (changes.supervisor !== undefined) lines.push(`Supervisor: ${changes.supervisor?.label ?? 'none'}`);
  if (changes.licence) lines.push(`Licence type: ${capital(changes.licence)}`);
  if (changes.status) lines.push(`Status: ${capital(changes.status)}`);
  if (changes.twoStep !== undefined)
    lines.push(`Two-step verification: ${changes.twoStep ? 'required' : 'not required'}`);
  return lines;
}
