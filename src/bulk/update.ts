import { type SQL, sql } from 'drizzle-orm';
import { recordAudits } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import type { LICENCE_TYPES, USER_STATUSES, User } from '../db/schema.js';
import { allRows, run } from '../db/statements.js';
import { displayName, displayNameSql, PARTS_OF_FIELD, refreshDerivedFields } from '../users/derived-fields.js';
import type { FormOptions, Membership } from '../users/user-form.js';
import {
  type ActionPreview,
  type BulkOutcome,
  changedUsers,
  IN_CHANGED,
  markChanged,
  previewAction,
} from './changed-set.js';
import type { Rule } from './refusals.js';
import { resolveSelection, type Selection } from './selection.js';

/**
 * Bulk update (B2): the common settings of many users at once. Each field is either left
 * unchanged or set; lists (groups, teams, companies, add-ons, databases) can also gain or lose
 * entries. The users it changes are found with one SQL condition, the same for the confirmation
 * page and for the work itself, so the count shown is the count done.
 */

export const LIST_MODES = { add: 'Add', remove: 'Remove', replace: 'Replace with' } as const;
export type ListMode = keyof typeof LIST_MODES;

/** Single-valued references: the users column and the list it points into. */
export const REFERENCE_FIELDS = {
  territory: { column: 'territory_id', table: 'territories', options: 'territories', label: 'Territory' },
  userType: { column: 'user_type_id', table: 'user_types', options: 'userTypes', label: 'User type' },
  role: { column: 'role_id', table: 'roles', options: 'roles', label: 'Role' },
} as const satisfies Record<string, { column: string; table: string; options: keyof FormOptions; label: string }>;
export type ReferenceField = keyof typeof REFERENCE_FIELDS;

export const LIST_FIELDS = {
  groups: { membership: 'user_groups', table: 'groups', label: 'Groups' },
  teams: { membership: 'user_teams', table: 'teams', label: 'Teams' },
  companies: { membership: 'user_companies', table: 'companies', label: 'Companies' },
  addons: { membership: 'user_addons', table: 'addons', label: 'Add-ons' },
  databases: { membership: 'user_databases', table: 'databases', label: 'Databases' },
} as const satisfies Record<Membership, { membership: string; table: string; label: string }>;

export interface BulkChanges {
  lists: Partial<Record<Membership, { mode: ListMode; ids: number[] }>>;
  /** A reference id, or null to clear it. */
  references: Partial<Record<ReferenceField, number | null>>;
  supervisor?: { id: number; label: string } | null;
  licence?: (typeof LICENCE_TYPES)[number];
  status?: (typeof USER_STATUSES)[number];
  twoStep?: boolean;
}

type Actor = Pick<User, 'id' | 'adminRole' | 'fullName' | 'firstName' | 'lastName' | 'username'>;

const ids = (list: number[]) => sql`(select value from json_each(${JSON.stringify(list)}))`;

/** Whether a user's memberships would differ after the change. */
function listChanges(field: Membership, mode: ListMode, refIds: number[]): SQL {
  const m = sql.raw(LIST_FIELDS[field].membership);
  const held = sql`(select count(*) from ${m} m where m.user_id = u.id and m.ref_id in ${ids(refIds)})`;
  switch (mode) {
    case 'add':
      return sql`${held} < ${refIds.length}`;
    case 'remove':
      return sql`${held} > 0`;
    case 'replace':
      return sql`(${held} < ${refIds.length} or (select count(*) from ${m} m where m.user_id = u.id) > ${refIds.length})`;
  }
}

/** The condition a user meets when the changes would alter anything about them. */
export function changeCondition(changes: BulkChanges): SQL {
  const parts: SQL[] = [];
  for (const [field, change] of Object.entries(changes.lists) as [Membership, { mode: ListMode; ids: number[] }][]) {
    parts.push(listChanges(field, change.mode, change.ids));
  }
  for (const [field, id] of Object.entries(changes.references) as [ReferenceField, number | null][]) {
    parts.push(sql`${sql.raw(`u.${REFERENCE_FIELDS[field].column}`)} is not ${id}`);
  }
  if (changes.supervisor !== undefined) parts.push(sql`u.supervisor_id is not ${changes.supervisor?.id ?? null}`);
  if (changes.licence) parts.push(sql`u.licence_type <> ${changes.licence}`);
  if (changes.status) parts.push(sql`u.status <> ${changes.status}`);
  if (changes.twoStep !== undefined) parts.push(sql`u.two_step_enabled <> ${changes.twoStep ? 1 : 0}`);
  return parts.length === 0 ? sql`0` : sql`(${sql.join(parts, sql` or `)})`;
}

/** Who may not be changed this way, and why, in the order the reasons are checked. */
export function updateRules(actor: Actor, changes: BulkChanges): Rule[] {
  const rules: Rule[] = [];
  if (changes.status === 'inactive') {
    // The actor is always an active superuser (scopes cannot be assigned yet), and is refused
    // here, so a bulk deactivation can never leave Roster without an active superuser.
    rules.push({ when: sql`u.id = ${actor.id}`, reason: 'You cannot deactivate your own account.' });
  }
  const supervisor = changes.supervisor;
  if (supervisor) {
    rules.push({ when: sql`u.id = ${supervisor.id}`, reason: 'Nobody can be their own supervisor.' });
    rules.push({
      when: sql`u.id in (with recursive above(id) as (
          select supervisor_id from users where id = ${supervisor.id}
          union select s.supervisor_id from users s join above a on s.id = a.id
        ) select id from above where id is not null)`,
      reason: `${supervisor.label} reports to them, directly or through others.`,
    });
  }
  return rules;
}

/** What the changes would do to the users in bulk_ids. */
export function previewUpdate(db: Queryable, actor: Actor, selected: number, changes: BulkChanges): ActionPreview {
  return previewAction(db, selected, updateRules(actor, changes), changeCondition(changes));
}

/** The fields an audit entry shows, read for the changed users: names rather than ids. */
function stateColumns(changes: BulkChanges): SQL[] {
  const columns: SQL[] = [];
  for (const field of Object.keys(changes.lists) as Membership[]) {
    const f = LIST_FIELDS[field];
    columns.push(
      sql`(select json_group_array(name) from (select r.name from ${sql.raw(f.membership)} m join ${sql.raw(f.table)} r
            on r.id = m.ref_id where m.user_id = u.id order by r.name)) as ${sql.raw(field)}`,
    );
  }
  for (const field of Object.keys(changes.references) as ReferenceField[]) {
    const f = REFERENCE_FIELDS[field];
    columns.push(
      sql`(select name from ${sql.raw(f.table)} where id = ${sql.raw(`u.${f.column}`)}) as ${sql.raw(field)}`,
    );
  }
  if (changes.supervisor !== undefined) {
    columns.push(
      sql`(select ${displayNameSql('s')} || ' (' || s.id || ')' from users s where s.id = u.supervisor_id) as supervisor`,
    );
  }
  if (changes.licence) columns.push(sql`u.licence_type as licenceType`);
  if (changes.status) columns.push(sql`u.status`);
  if (changes.twoStep !== undefined) columns.push(sql`u.two_step_enabled = 1 as twoStepEnabled`);
  return columns;
}

type State = Record<string, unknown> & { id: number };

function readState(tx: Queryable, changes: BulkChanges): Map<number, State> {
  const rows = allRows<Record<string, unknown> & { id: number }>(
    tx,
    sql`select u.id, ${sql.join(stateColumns(changes), sql`, `)} from bulk_changed c join users u on u.id = c.id`,
  );
  return new Map(
    rows.map((row) => {
      for (const field of Object.keys(changes.lists)) row[field] = JSON.parse(String(row[field] ?? '[]'));
      if ('twoStepEnabled' in row) row.twoStepEnabled = row.twoStepEnabled === 1;
      return [row.id, row];
    }),
  );
}

function writeChanges(tx: Queryable, actor: Actor, changes: BulkChanges, now: Date): void {
  const set: SQL[] = [sql`updated_at = ${now.getTime()}`, sql`updated_by = ${actor.id}`, sql`version = version + 1`];
  for (const [field, id] of Object.entries(changes.references) as [ReferenceField, number | null][]) {
    set.push(sql`${sql.raw(REFERENCE_FIELDS[field].column)} = ${id}`);
  }
  if (changes.supervisor !== undefined) set.push(sql`supervisor_id = ${changes.supervisor?.id ?? null}`);
  if (changes.licence) set.push(sql`licence_type = ${changes.licence}`);
  if (changes.status) set.push(sql`status = ${changes.status}`);
  if (changes.twoStep !== undefined) set.push(sql`two_step_enabled = ${changes.twoStep ? 1 : 0}`);
  run(tx, sql`update users set ${sql.join(set, sql`, `)} where id in ${IN_CHANGED}`);

  for (const [field, change] of Object.entries(changes.lists) as [Membership, { mode: ListMode; ids: number[] }][]) {
    const m = sql.raw(LIST_FIELDS[field].membership);
    if (change.mode === 'replace') run(tx, sql`delete from ${m} where user_id in ${IN_CHANGED}`);
    if (change.mode === 'remove') {
      run(tx, sql`delete from ${m} where user_id in ${IN_CHANGED} and ref_id in ${ids(change.ids)}`);
    } else {
      run(
        tx,
        sql`insert or ignore into ${m} (user_id, ref_id) select c.id, r.value from bulk_changed c, json_each(${JSON.stringify(change.ids)}) r`,
      );
    }
  }
  // A deactivated user is signed out everywhere at once, as when deactivated one by one.
  if (changes.status === 'inactive') run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
}

/** The field names audit entries use, as the single-user form's diff does. */
function derivedParts(changes: BulkChanges) {
  const fields: string[] = [...Object.keys(changes.lists), ...Object.keys(changes.references)];
  if (changes.supervisor !== undefined) fields.push('supervisor');
  return [...new Set(fields.flatMap((field) => PARTS_OF_FIELD[field as keyof typeof PARTS_OF_FIELD] ?? []))];
}

export type Progress = (phase: string, done: number, total: number) => void;

/**
 * Applies the changes to the selected users in one transaction: the rows, their memberships,
 * their derived sort and search fields, the end of deactivated users' sessions, and one audit
 * entry per changed user with its before → after values. Any failure leaves everything as it was.
 */
export function applyUpdate(
  db: Db,
  actor: Actor,
  selection: Selection,
  changes: BulkChanges,
  requestId: string,
  progress: Progress,
  now = new Date(),
): BulkOutcome {
  return db.transaction(
    (tx) => {
      progress('Finding the selected users', 0, 0);
      const selected = resolveSelection(tx, actor, selection).length;
      const { refused, refusedTotal, changed } = markChanged(tx, updateRules(actor, changes), changeCondition(changes));
      progress('Saving the changes', 0, changed);
      const before = readState(tx, changes);
      writeChanges(tx, actor, changes, now);
      const changedIds = [...before.keys()];
      refreshDerivedFields(tx, changedIds, derivedParts(changes));
      progress('Recording the changes in the audit log', Math.round(changed / 2), changed);
      const after = readState(tx, changes);
      const names = new Map(changedUsers(tx).map((r) => [r.id, r.name]));
      const actorRef = { id: actor.id, name: displayName(actor) };
      recordAudits(
        tx,
        changedIds.map((id) => ({
          action: 'user.update' as const,
          actor: actorRef,
          target: { id, name: names.get(id) ?? '' },
          changes: difference(before.get(id)!, after.get(id)!),
          detail: 'Bulk update',
          requestId,
        })),
        now,
      );
      progress('Saving the changes', changed, changed);
      return { selected, changed, unchanged: selected - changed - refusedTotal, refused, refusedTotal };
    },
    { behavior: 'immediate' },
  );
}

function difference(before: State, after: State): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(before)) {
    if (key === 'id') continue;
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      changes[key] = [before[key] ?? null, after[key] ?? null];
    }
  }
  return changes;
}
