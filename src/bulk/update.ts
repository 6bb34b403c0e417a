import { type SQL, sql } from 'drizzle-orm';
import type { Progress } from '../jobs/job.js';
import type { Db, Queryable } from '../db/connection.js';
import { type LICENCE_TYPES, type USER_STATUSES, users } from '../db/schema.js';
import { oneRow, run } from '../db/statements.js';
import { JobRefusedError } from '../jobs/refused.js';
import { displayNameText, PARTS_OF_FIELD, referenceSortKey, refreshDerivedFields } from '../users/derived-fields.js';
import {
  type Membership,
  MEMBERSHIP_LISTS,
  SINGLE_REFERENCES,
  type SingleReference,
} from '../reference/reference-tables.js';
import {
  AUDIT_NOTES,
  type BulkOutcome,
  type BulkWork,
  changedUsers,
  IN_CHANGED,
  runBulk,
  updateChanged,
} from './changed-set.js';
import type { Rule } from './refusals.js';
import { BULK_IDS, resolveSelection, type Selection } from './selection.js';
import type { Actor } from '../access/actor.js';
import { protections } from '../access/policy.js';
import { leavingScope } from '../access/scope.js';
import { bulkSeatGains } from '../licences/bulk-seats.js';
import { requireSeats } from '../licences/limits.js';

/**
 * Bulk update (B2): the common settings of many users at once. Each field is either left
 * unchanged or set; lists (groups, teams, companies, add-ons, databases) can also gain or lose
 * entries. The users it changes are found with one SQL condition, the same for the confirmation
 * page and for the work itself, so the count shown is the count done.
 */

export const LIST_MODES = { add: 'Add', remove: 'Remove', replace: 'Replace with' } as const;
export type ListMode = keyof typeof LIST_MODES;

export interface BulkChanges {
  lists: Partial<Record<Membership, { mode: ListMode; ids: number[] }>>;
  /** A reference id, or null to clear it. */
  references: Partial<Record<SingleReference, number | null>>;
  supervisor?: { id: number; label: string } | null;
  licence?: (typeof LICENCE_TYPES)[number];
  status?: (typeof USER_STATUSES)[number];
  twoStep?: boolean;
}

const idList = (list: number[]) => sql`(select value from json_each(${JSON.stringify(list)}))`;

/** Whether a user's memberships would differ after the change. */
function listChanges(field: Membership, mode: ListMode, refIds: number[]): SQL {
  const m = sql.raw(MEMBERSHIP_LISTS[field].membership);
  const held = sql`(select count(*) from ${m} m where m.user_id = u.id and m.ref_id in ${idList(refIds)})`;
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
  for (const [field, id] of Object.entries(changes.references) as [SingleReference, number | null][]) {
    parts.push(sql`${sql.raw(`u.${SINGLE_REFERENCES[field].column}`)} is not ${id}`);
  }
  if (changes.supervisor !== undefined) parts.push(sql`u.supervisor_id is not ${changes.supervisor?.id ?? null}`);
  if (changes.licence) parts.push(sql`u.licence_type <> ${changes.licence}`);
  if (changes.status) parts.push(sql`u.status <> ${changes.status}`);
  if (changes.twoStep !== undefined) parts.push(sql`u.two_step_enabled <> ${changes.twoStep ? 1 : 0}`);
  return parts.length === 0 ? sql`0` : sql`(${sql.join(parts, sql` or `)})`;
}

/** Who may not be changed this way, and why, in the order the reasons are checked. */
export function updateRules(actor: Actor, changes: BulkChanges): Rule[] {
  const rules: Rule[] = protections(actor, changes.status === 'inactive' ? 'deactivate' : 'edit', BULK_IDS);
  for (const kind of ['groups', 'companies'] as const) {
    const change = changes.lists[kind];
    const leaving = change?.mode === 'remove' && leavingScope(actor, kind, change.ids);
    if (leaving) rules.push(leaving);
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

/**
 * A field an audit entry shows, as SQL over a user `u`: names rather than ids. Lists are JSON
 * arrays of names in name order, so a before and an after compare as text.
 */
interface ShownField {
  key: string;
  value: string;
  kind: 'text' | 'list' | 'boolean';
}

function shownFields(changes: BulkChanges): ShownField[] {
  const fields: ShownField[] = [];
  for (const field of Object.keys(changes.lists) as Membership[]) {
    const f = MEMBERSHIP_LISTS[field];
    fields.push({
      key: field,
      value: `(select json_group_array(name) from (select r.name from ${f.membership} m join ${f.table} r
               on r.id = m.ref_id where m.user_id = u.id order by r.name))`,
      kind: 'list',
    });
  }
  for (const field of Object.keys(changes.references) as SingleReference[]) {
    const f = SINGLE_REFERENCES[field];
    fields.push({ key: field, value: `(select name from ${f.table} where id = u.${f.column})`, kind: 'text' });
  }
  if (changes.supervisor !== undefined) {
    fields.push({
      key: 'supervisor',
      value: `(select ${displayNameText('s')} || ' (' || s.id || ')' from users s where s.id = u.supervisor_id)`,
      kind: 'text',
    });
  }
  if (changes.licence) fields.push({ key: 'licenceType', value: 'u.licence_type', kind: 'text' });
  if (changes.status) fields.push({ key: 'status', value: 'u.status', kind: 'text' });
  if (changes.twoStep !== undefined)
    fields.push({ key: 'twoStepEnabled', value: 'u.two_step_enabled', kind: 'boolean' });
  return fields;
}

/** A stored value as it goes into the entry's JSON. */
function asJson(field: ShownField, value: string): string {
  if (field.kind === 'list') return `json(${value})`;
  if (field.kind === 'boolean') return `json(case when ${value} then 'true' else 'false' end)`;
  return value;
}

/** Keeps the changed users' shown fields as they are before the write, in bulk_before. */
function keepBefore(tx: Queryable, fields: ShownField[]): void {
  run(tx, sql`drop table if exists temp.bulk_before`);
  const columns = fields.map((f, i) => `${f.value} as b${i}`);
  run(
    tx,
    sql.raw(`create temp table bulk_before as
      select u.id as id, ${columns.join(', ')} from bulk_changed c join users u on u.id = c.id`),
  );
}

/**
 * Notes each changed user's field-level changes for the audit (see AUDIT_NOTES): the fields
 * whose value differs between bulk_before and now, as field → [before, after].
 */
function noteChanges(tx: Queryable, fields: ShownField[]): void {
  const after = fields.map((f, i) => `${f.value} as a${i}`);
  // json_patch adds one field's pair at a time, and '{}' where the field did not change.
  const changes = fields.reduce(
    (json, f, i) =>
      `json_patch(${json}, case when b${i} is a${i} then '{}' else
         json_object('${f.key}', json_array(${asJson(f, `b${i}`)}, ${asJson(f, `a${i}`)})) end)`,
    `'{}'`,
  );
  run(
    tx,
    sql.raw(`insert into ${AUDIT_NOTES} (id, changes)
      select id, ${changes} from (select b.*, ${after.join(', ')} from bulk_before b join users u on u.id = b.id)`),
  );
}

function writeChanges(tx: Queryable, actor: Actor, changes: BulkChanges, at: number): void {
  const set: SQL[] = [];
  for (const [field, id] of Object.entries(changes.references) as [SingleReference, number | null][]) {
    const { column, table } = SINGLE_REFERENCES[field];
    const name =
      id === null ? null : oneRow<{ name: string }>(tx, sql`select name from ${sql.raw(table)} where id = ${id}`)!.name;
    // The derived sort key is the same for every user here: written in the same pass over the rows.
    const sortColumn = users[PARTS_OF_FIELD[field][0]!].name;
    set.push(sql`${sql.raw(column)} = ${id}`, sql`${sql.raw(sortColumn)} = ${referenceSortKey(name)}`);
  }
  if (changes.supervisor !== undefined) set.push(sql`supervisor_id = ${changes.supervisor?.id ?? null}`);
  if (changes.licence) set.push(sql`licence_type = ${changes.licence}`);
  if (changes.status) set.push(sql`status = ${changes.status}`);
  if (changes.twoStep !== undefined) set.push(sql`two_step_enabled = ${changes.twoStep ? 1 : 0}`);
  updateChanged(tx, actor, at, set);

  for (const [field, change] of Object.entries(changes.lists) as [Membership, { mode: ListMode; ids: number[] }][]) {
    const m = sql.raw(MEMBERSHIP_LISTS[field].membership);
    if (change.mode === 'replace') run(tx, sql`delete from ${m} where user_id in ${IN_CHANGED}`);
    if (change.mode === 'remove') {
      run(tx, sql`delete from ${m} where user_id in ${IN_CHANGED} and ref_id in ${idList(change.ids)}`);
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

/**
 * Refuses the update when an id it would write is gone: a list entry or supervisor removed since
 * the form was checked. Jobs write without SQLite's foreign-key checks (see jobs/job-database.ts),
 * so this check, inside the transaction, is what keeps the references whole.
 */
function referencesExist(tx: Queryable, changes: BulkChanges): void {
  const missing = (table: string, ids: number[]) =>
    oneRow<{ n: number }>(tx, sql`select count(*) as n from ${sql.raw(table)} where id in ${idList(ids)}`)!.n <
    new Set(ids).size;
  for (const [field, id] of Object.entries(changes.references) as [SingleReference, number | null][]) {
    const { table, label } = SINGLE_REFERENCES[field];
    if (id !== null && missing(table, [id]))
      throw new JobRefusedError(`The ${label.toLowerCase()} chosen no longer exists.`);
  }
  for (const [field, change] of Object.entries(changes.lists) as [Membership, { ids: number[] }][]) {
    const { table, label } = MEMBERSHIP_LISTS[field];
    if (missing(table, change.ids))
      throw new JobRefusedError(`Some of the ${label.toLowerCase()} chosen no longer exist.`);
  }
  const supervisor = changes.supervisor?.id;
  if (
    supervisor !== undefined &&
    !oneRow(tx, sql`select 1 from users where id = ${supervisor} and deleted_at is null`)
  ) {
    throw new JobRefusedError('The supervisor chosen is no longer in the list.');
  }
}

/** The derived sort and search columns the changed fields make stale, besides the references' (see writeChanges). */
function derivedParts(changes: BulkChanges) {
  const fields: string[] = Object.keys(changes.lists);
  if (changes.supervisor !== undefined) fields.push('supervisor');
  return [...new Set(fields.flatMap((field) => PARTS_OF_FIELD[field as keyof typeof PARTS_OF_FIELD] ?? []))];
}

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
  const work: BulkWork = {
    select: (tx) => resolveSelection(tx, actor, selection),
    rules: updateRules(actor, changes),
    changes: changeCondition(changes),
    write: (tx) => {
      referencesExist(tx, changes);
      // Past a licence limit, nobody is changed: the whole update is refused before any write.
      requireSeats(tx, bulkSeatGains(tx, changes, sql`u.id in ${IN_CHANGED}`));
      const fields = shownFields(changes);
      keepBefore(tx, fields);
      writeChanges(tx, actor, changes, now.getTime());
      const parts = derivedParts(changes);
      if (parts.length > 0)
        refreshDerivedFields(
          tx,
          changedUsers(tx).map((row) => row.id),
          parts,
        );
      noteChanges(tx, fields);
    },
    audit: { action: 'user.update', detail: 'Bulk update' },
  };
  return runBulk(db, actor, work, requestId, progress, now);
}
