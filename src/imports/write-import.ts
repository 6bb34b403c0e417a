import type { Db, Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import type { Progress } from '../jobs/job.js';
import { JobRefusedError } from '../jobs/refused.js';
import { displayName, displayNameText, refreshDerivedFields } from '../users/derived-fields.js';
import type { Option } from '../reference/reference-lists.js';
import { MEMBERSHIP_LISTS, MEMBERSHIPS } from '../reference/reference-tables.js';
import type { FormOptions, UserValues } from '../user/user-form.js';
import { personLabelText } from '../user/supervisor-label.js';
import { type CheckedRow, checkRows, usernamesFingerprint } from './check-rows.js';
import type { ImportRow } from './read-csv.js';
import type { Actor } from '../access/actor.js';
import { newUsersGains, requireSeats } from '../licences/limits.js';

export interface ImportOutcome {
  created: number;
  /** When the users were created: the list can show just them (created at or after this). */
  at: number;
}

const IMPORT_DETAIL = 'Imported from a CSV file. No password: the user sets one through a link';

const INSERT_USER = `insert into users (username, first_name, last_name, full_name, signature, email, phone, extension,
    user_type_id, role_id, territory_id, supervisor_id, licence_type, status, two_step_enabled, kind, notes,
    must_change_password, created_at, created_by, updated_at, updated_by)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'user', ?, 0, ?, ?, ?, ?)`;

/**
 * A new user's audit entry, as user-writes.ts writes one for a user added on the form: every
 * field that has a value, from nothing to that value, with names rather than ids.
 */
function creationChanges(values: UserValues, options: FormOptions, supervisor: string | undefined) {
  const name = (list: Option[], id: number | null) => list.find((o) => o.id === id)?.name;
  const fields: Record<string, unknown> = {
    username: values.username,
    firstName: values.firstName,
    lastName: values.lastName,
    fullName: values.fullName,
    signature: values.signature,
    email: values.email,
    phone: values.phone,
    extension: values.extension,
    userType: name(options.userTypes, values.userTypeId),
    role: name(options.roles, values.roleId),
    territory: name(options.territories, values.territoryId),
    supervisor,
    licenceType: values.licenceType,
    status: values.status,
    kind: values.kind,
    notes: values.notes,
    ...Object.fromEntries(
      MEMBERSHIPS.map((list) => [
        list,
        values.memberships[list].map((id) => name(options[list], id)!).sort((a, b) => a.localeCompare(b)),
      ]),
    ),
  };
  const changes: Record<string, [null, unknown]> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0))
      changes[key] = [null, value];
  }
  return changes;
}

/** Links users to supervisors created by the same file, once every one of them has an id. */
function linkSupervisors(tx: Queryable, rows: CheckedRow[], ids: Map<string, number>): Map<number, string> {
  const labels = new Map<number, string>();
  const update = prepared(tx, 'update users set supervisor_id = ? where id = ?');
  const labelOf = prepared(tx, `select ${personLabelText('u')} from users u where id = ?`).pluck();
  for (const row of rows) {
    if (!row.supervisorInFile) continue;
    const userId = ids.get(row.username.toLowerCase())!;
    const supervisorId = ids.get(row.supervisorInFile)!;
    update.run(supervisorId, userId);
    labels.set(userId, labelOf.get(supervisorId) as string);
  }
  return labels;
}

/**
 * Creates every user of the file, or none: the rows are checked again inside the transaction
 * (a username may have been taken since the preview), then written with a few prepared
 * statements, their derived fields refreshed in one pass, and an audit entry per user added
 * in one statement. Imported users have no password.
 */
export function writeImport(
  db: Db,
  actor: Actor,
  rows: ImportRow[],
  /** The preview's usernames (see usernamesFingerprint): the import creates those or none. */
  usernames: string,
  requestId: string,
  progress: Progress,
  now = new Date(),
  /** More work with the new users' ids in the same transaction (the welcome mails); returns a count it reports. */
  afterCreate?: (tx: Queryable, ids: number[], now: Date) => number,
): ImportOutcome & { welcomed: number } {
  return db.transaction(
    (tx) => {
      progress('Checking the rows again', 0, 4);
      const check = checkRows(tx, actor, rows);
      if (check.problems.length > 0) {
        const first = check.problems[0]!;
        throw new JobRefusedError(
          `${check.problems.length.toLocaleString('en')} ${check.problems.length === 1 ? 'problem' : 'problems'} found since the preview, such as line ${first.line}: ${first.message} Upload the file again to see them all.`,
        );
      }
      if (usernamesFingerprint(check.rows) !== usernames) {
        throw new JobRefusedError(
          'A username made from the names has been taken since the preview, so a user would get another than the one shown. Upload the file again to see the new usernames.',
        );
      }
      requireSeats(
        tx,
        newUsersGains(
          tx,
          check.rows.map((row) => row.values!),
        ),
      );
      progress('Creating the users', 1, 4);
      const at = now.getTime();
      const insert = prepared(tx, INSERT_USER);
      const joins = Object.fromEntries(
        MEMBERSHIPS.map((list) => [
          list,
          prepared(tx, `insert into ${MEMBERSHIP_LISTS[list].membership} (user_id, ref_id) values (?, ?)`),
        ]),
      );
      const ids = new Map<string, number>();
      const created = check.rows.map((row) => {
        const v = row.values!;
        const id = Number(
          insert.run(
            v.username,
            v.firstName,
            v.lastName,
            v.fullName,
            v.signature,
            v.email,
            v.phone,
            v.extension,
            v.userTypeId,
            v.roleId,
            v.territoryId,
            v.supervisorId,
            v.licenceType,
            v.status,
            v.notes,
            at,
            actor.id,
            at,
            actor.id,
          ).lastInsertRowid,
        );
        for (const list of MEMBERSHIPS) for (const refId of v.memberships[list]) joins[list]!.run(id, refId);
        ids.set(v.username.toLowerCase(), id);
        return { id, row };
      });
      const linked = linkSupervisors(tx, check.rows, ids);

      progress('Preparing the list and search', 2, 4);
      refreshDerivedFields(
        tx,
        created.map((c) => c.id),
      );

      progress('Recording the new users in the audit log', 3, 4);
      const entries = created.map(({ id, row }) => ({
        id,
        changes: creationChanges(row.values!, check.options, row.supervisorLabel ?? linked.get(id)),
      }));
      prepared(
        tx,
        `insert into audit_entries (at, actor_id, actor_name, action, target_user_id, target_name, changes, detail, request_id)
         select ?, ?, ?, 'user.create', u.id, ${displayNameText('u')}, json_extract(e.value, '$.changes'), ?, ?
         from json_each(?) e join users u on u.id = json_extract(e.value, '$.id') order by u.id`,
      ).run(at, actor.id, displayName(actor), IMPORT_DETAIL, requestId, JSON.stringify(entries));
      const welcomed = afterCreate?.(tx, [...ids.values()], now) ?? 0;
      return { created: created.length, at, welcomed };
    },
    { behavior: 'immediate' },
  );
}
