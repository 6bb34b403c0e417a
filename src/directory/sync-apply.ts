import { sql } from 'drizzle-orm';
import { lastSuperuser } from '../access/policy.js';
import type { Queryable } from '../db/connection.js';
import { allRows, prepared } from '../db/statements.js';
import { refreshDerivedFields } from '../users/derived-fields.js';
import { displayNameText } from '../users/derived-fields.js';
import type { LinkedUser, SyncPlan } from './sync-plan.js';

/** Who a sync's entries name as the one who acted: the directory, not an administrator. */
export const SYNC_ACTOR_NAME = 'Directory sync';

/** The Roster users linked to a directory entry, as the plan compares them. */
export function linkedUsers(db: Queryable): LinkedUser[] {
  return prepared(
    db,
    `select u.id, u.directory_id as directoryId, u.username, u.email, u.first_name as firstName,
       u.last_name as lastName, u.full_name as fullName, u.phone, u.status, u.supervisor_id as supervisorId,
       case when s.id is null then null else ${displayNameText('s')} end as supervisorName
     from users u left join users s on s.id = u.supervisor_id
     where u.directory_id is not null and u.deleted_at is null`,
  ).all() as LinkedUser[];
}

/** lower(username) → id, for the names these rows would give, among users not in the trash. */
export function takenUsernames(db: Queryable, names: readonly string[]): Map<string, number> {
  const rows = prepared(
    db,
    `select id, lower(username) as name from users
     where deleted_at is null and lower(username) in (select lower(value) from json_each(?))`,
  ).all(JSON.stringify(names)) as { id: number; name: string }[];
  return new Map(rows.map((row) => [row.name, row.id]));
}

/**
 * Writes a plan in the caller's transaction, set-based: one UPDATE for every changed user, one
 * for the deactivations, one INSERT for their audit entries. The last active superuser is never
 * made inactive: such a change is dropped and reported. Returns the ids it left out.
 */
export function applySyncPlan(db: Queryable, plan: SyncPlan, now: Date): { kept: { id: number; name: string }[] } {
  const goingInactive = [
    ...plan.updates.filter((u) => u.changes.status && u.after.status === 'inactive').map((u) => u.id),
    ...plan.deactivations.map((d) => d.id),
  ];
  const keptIds = new Set(
    allRows<{ id: number }>(
      db,
      sql`select u.id from users u where u.id in (select value from json_each(${JSON.stringify(goingInactive)}))
          and ${lastSuperuser(sql`(select value from json_each(${JSON.stringify(goingInactive)}))`).when}`,
    ).map((row) => row.id),
  );
  const kept = [...plan.updates, ...plan.deactivations].filter((u) => keptIds.has(u.id));
  const updates = plan.updates
    .map((u) => {
      if (!keptIds.has(u.id)) return u;
      const { status: _status, ...changes } = u.changes;
      return { ...u, changes, after: { ...u.after, status: 'active' as const } };
    })
    .filter((u) => Object.keys(u.changes).length > 0);
  const deactivations = plan.deactivations.filter((d) => !keptIds.has(d.id));
  const at = now.getTime();

  prepared(
    db,
    `update users set username = j.value ->> 'username', email = j.value ->> 'email',
       first_name = j.value ->> 'firstName', last_name = j.value ->> 'lastName', full_name = j.value ->> 'fullName',
       phone = j.value ->> 'phone', status = j.value ->> 'status', supervisor_id = j.value ->> 'supervisorId',
       updated_at = ?, updated_by = null, version = version + 1
     from json_each(?) j where users.id = j.value ->> 'id'`,
  ).run(at, JSON.stringify(updates.map((u) => ({ id: u.id, ...u.after }))));
  prepared(
    db,
    `update users set status = 'inactive', updated_at = ?, updated_by = null, version = version + 1
     where id in (select value from json_each(?))`,
  ).run(at, JSON.stringify(deactivations.map((d) => d.id)));

  // Inactive users cannot sign in: their open sessions end with the change.
  const nowInactive = [
    ...updates.filter((u) => u.changes.status && u.after.status === 'inactive').map((u) => u.id),
    ...deactivations.map((d) => d.id),
  ];
  prepared(db, 'delete from sessions where user_id in (select value from json_each(?))').run(
    JSON.stringify(nowInactive),
  );

  // A renamed user's name shows in the sort key and search text of everyone they supervise.
  const renamed = updates.filter((u) => ['username', 'firstName', 'lastName', 'fullName'].some((f) => f in u.changes));
  const supervised = prepared(db, 'select id from users where supervisor_id in (select value from json_each(?))')
    .all(JSON.stringify(renamed.map((u) => u.id)))
    .map((row) => (row as { id: number }).id);
  refreshDerivedFields(db, [...new Set([...updates.map((u) => u.id), ...supervised])]);

  const entries = [
    ...updates.map((u) => ({ id: u.id, name: u.name, action: 'user.update', changes: JSON.stringify(u.changes) })),
    ...deactivations.map((d) => ({
      id: d.id,
      name: d.name,
      action: 'user.status',
      changes: JSON.stringify({ status: ['active', 'inactive'] }),
    })),
  ];
  prepared(
    db,
    `insert into audit_entries (at, actor_id, actor_name, action, target_user_id, target_name, changes, detail, request_id)
     select ?, null, ?, j.value ->> 'action', j.value ->> 'id', j.value ->> 'name', j.value ->> 'changes', ?, ''
     from json_each(?) j`,
  ).run(at, SYNC_ACTOR_NAME, 'Kept in step with the directory', JSON.stringify(entries));
  return { kept };
}
