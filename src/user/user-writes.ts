import { and, eq, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { allRows, oneRow } from '../db/statements.js';
import { auditActor, recordAudit } from '../audit/record.js';
import { endSessionsOf } from '../auth/session-store.js';
import { type AvatarChange, writeAvatar } from './avatar.js';
import { displayName, refreshDerivedFields } from '../users/derived-fields.js';
import { personLabelSql } from './supervisor-label.js';
import type { Actor } from '../access/actor.js';
import { visibleTo } from '../access/scope.js';
import type { UserValues } from './user-form.js';
import { MEMBERSHIP_LISTS, MEMBERSHIPS } from '../reference/reference-tables.js';
import { gainsOf, holdingOf, holdingOfValues, newUsersGains, requireSeats } from '../licences/limits.js';

/** The fields the form writes, as people read them: what audits and conflict messages show. */
export const FIELD_LABELS: Record<string, string> = {
  username: 'Username',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name',
  signature: 'Signature',
  email: 'Email',
  phone: 'Personal contact',
  extension: 'Extension',
  userType: 'User type',
  role: 'Role',
  territory: 'Territory',
  groups: 'Groups',
  teams: 'Teams',
  companies: 'Companies',
  addons: 'Add-ons',
  databases: 'Databases',
  supervisor: 'Supervisor',
  licenceType: 'Licence type',
  status: 'Status',
  twoStepEnabled: 'Two-step verification required',
  kind: 'Kind',
  availability: 'Availability',
  notes: 'Notes',
  avatar: 'Avatar',
  // Written by the Administrators page, read by the same audit views.
  scope: 'Scope',
  permissions: 'Permissions',
};

export type Snapshot = Record<string, unknown>;

/** One user's form fields with names instead of ids, so a diff reads "Sales → Support". */
export function snapshot(db: Queryable, id: number): Snapshot | undefined {
  const row = oneRow<Record<string, string | number | null>>(
    db,
    sql`select u.username, u.first_name as firstName, u.last_name as lastName, u.full_name as fullName,
      u.signature, u.email, u.phone, u.extension, ut.name as userType, r.name as role, t.name as territory,
      case when s.id is null then null else ${personLabelSql('s')} end as supervisor,
      u.licence_type as licenceType, u.status, u.two_step_enabled as twoStepEnabled, u.kind,
      u.availability, u.notes
    from users u
    left join user_types ut on ut.id = u.user_type_id
    left join roles r on r.id = u.role_id
    left join territories t on t.id = u.territory_id
    left join users s on s.id = u.supervisor_id
    where u.id = ${id}`,
  );
  if (!row) return undefined;
  const result: Snapshot = {
    ...row,
    twoStepEnabled: row.twoStepEnabled === 1,
    availability: typeof row.availability === 'string' ? JSON.parse(row.availability) : null,
  };
  for (const key of MEMBERSHIPS) {
    const { membership, table } = MEMBERSHIP_LISTS[key];
    result[key] = allRows<{ name: string }>(
      db,
      sql`select r.name from ${sql.raw(membership)} m join ${sql.raw(table)} r on r.id = m.ref_id
          where m.user_id = ${id} order by r.name`,
    ).map((r) => r.name);
  }
  return result;
}

/** The fields whose value differs between two snapshots, before → after. */
export function diff(before: Snapshot, after: Snapshot): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(FIELD_LABELS)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      changes[key] = [before[key] ?? null, after[key] ?? null];
    }
  }
  return changes;
}

const isEmpty = (value: unknown) =>
  value === null || value === '' || value === false || (Array.isArray(value) && value.length === 0);

export class UsernameTakenError extends Error {}
/** The user moved on since the form was opened: another administrator saved first. */
export class EditConflictError extends Error {}
/** Thrown inside the transaction to undo an edit that changed nothing. */
class NothingChanged extends Error {}

interface Password {
  hash: string | null;
  mustChange: boolean;
}

function columns(values: UserValues) {
  const { memberships: _memberships, ...rest } = values;
  return rest;
}

function writeMemberships(tx: Queryable, id: number, memberships: UserValues['memberships']) {
  for (const key of MEMBERSHIPS) {
    const { membership } = MEMBERSHIP_LISTS[key];
    tx.run(sql`delete from ${sql.raw(membership)} where user_id = ${id}`);
    for (const refId of memberships[key]) {
      tx.run(sql`insert into ${sql.raw(membership)} (user_id, ref_id) values (${id}, ${refId})`);
    }
  }
}

/** drizzle wraps driver errors in its own, with the SQLite error as the cause. */
function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  }
  return false;
}

/** Creates a user with their memberships, avatar and the audit entry, all in one transaction. */
export function createUser(
  db: Db,
  actor: Actor,
  values: UserValues,
  password: Password,
  requestId: string,
  avatar: AvatarChange = undefined,
  /** More work that belongs with the creation, such as queueing a welcome mail, in its transaction. */
  afterCreate?: (tx: Queryable, user: User, now: Date) => void,
): User {
  try {
    const user = db.transaction(
      (tx) => {
        requireSeats(tx, newUsersGains(tx, [values]));
        const now = new Date();
        const created = tx
          .insert(users)
          .values({
            ...columns(values),
            passwordHash: password.hash,
            passwordChangedAt: password.hash ? now : null,
            mustChangePassword: password.mustChange,
            createdAt: now,
            createdBy: actor.id,
            updatedAt: now,
            updatedBy: actor.id,
          })
          .returning()
          .get();
        writeMemberships(tx, created.id, values.memberships);
        refreshDerivedFields(tx, [created.id]);
        const after = snapshot(tx, created.id)!;
        const changes: Record<string, [unknown, unknown]> = {};
        for (const [key, value] of Object.entries(after)) if (!isEmpty(value)) changes[key] = [null, value];
        const avatarChange = writeAvatar(tx, created.id, avatar);
        if (avatarChange) changes.avatar = avatarChange;
        recordAudit(
          tx,
          {
            action: 'user.create',
            actor: auditActor(actor),
            target: { id: created.id, name: displayName(created) },
            changes,
            detail: password.hash ? 'Password set' : 'No password: the user sets one through a link',
            requestId,
          },
          now,
        );
        afterCreate?.(tx, created, now);
        return created;
      },
      { behavior: 'immediate' },
    );
    return user;
  } catch (error) {
    // Two administrators may pick the same name at once; the index is the last word.
    if (isUniqueViolation(error)) throw new UsernameTakenError();
    throw error;
  }
}

/**
 * Saves an edit when the user is still at the version the form was opened with; otherwise
 * throws EditConflictError and writes nothing. Returns the changes made (none: nothing written).
 */
export function updateUser(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
  values: UserValues,
  requestId: string,
  avatar: AvatarChange = undefined,
): Record<string, [unknown, unknown]> {
  try {
    const changes = db.transaction(
      (tx) => {
        const before = snapshot(tx, id);
        if (!before) throw new EditConflictError();
        const held = holdingOf(tx, id)!;
        requireSeats(tx, gainsOf(tx, [{ before: held, after: holdingOfValues(values, held.blocked) }]));
        const now = new Date();
        const result = tx
          .update(users)
          .set({
            ...columns(values),
            updatedAt: now,
            updatedBy: actor.id,
            version: sql`${users.version} + 1`,
          })
          .where(and(visibleTo(actor), eq(users.id, id), eq(users.version, version)))
          .run();
        if (result.changes === 0) throw new EditConflictError();
        writeMemberships(tx, id, values.memberships);
        const after = snapshot(tx, id)!;
        const changes = diff(before, after);
        const avatarChange = writeAvatar(tx, id, avatar);
        if (avatarChange) changes.avatar = avatarChange;
        if (Object.keys(changes).length === 0) {
          // Nothing differs: leave the row (and its version) as it was.
          throw new NothingChanged();
        }
        const nameChanged = ['username', 'firstName', 'lastName', 'fullName'].some((k) => k in changes);
        const reports = nameChanged
          ? allRows<{ id: number }>(tx, sql`select id from users where supervisor_id = ${id}`).map((r) => r.id)
          : [];
        refreshDerivedFields(tx, [id, ...reports]);
        const user = tx.select().from(users).where(eq(users.id, id)).get()!;
        // Deactivated from the form, as from the Deactivate button: their sessions end now.
        if (user.status === 'inactive' && 'status' in changes) endSessionsOf(tx, id);
        recordAudit(
          tx,
          {
            action: 'user.update',
            actor: auditActor(actor),
            target: { id, name: displayName(user) },
            changes,
            requestId,
          },
          now,
        );
        return changes;
      },
      { behavior: 'immediate' },
    );
    return changes;
  } catch (error) {
    if (isUniqueViolation(error)) throw new UsernameTakenError();
    if (error instanceof NothingChanged) return {};
    throw error;
  }
}
