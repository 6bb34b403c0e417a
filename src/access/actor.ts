import type { Queryable } from '../db/connection.js';
import { type Permission, PERMISSIONS, SCOPE_KINDS, type ScopeKind, type User } from '../db/schema.js';
import { prepared } from '../db/statements.js';
import { toUser } from '../db/user-rows.js';

/** The ids a scoped administrator administers, by kind; a kind with no ids does not narrow. */
export type Scope = Record<ScopeKind, number[]>;

/**
 * The signed-in administrator as every decision sees them: the account, plus what they may see
 * (their scope; `everyone` for a superuser) and do (their permissions). It is the only actor
 * type in Roster: routes, services, jobs and templates all receive this.
 */
export interface Actor extends User {
  adminRole: NonNullable<User['adminRole']>;
  scope: Scope | 'everyone';
  permissions: ReadonlySet<Permission>;
}

export const emptyScope = (): Scope => ({ groups: [], territories: [], companies: [], userTypes: [] });

/** The scope rows of one administrator, grouped by kind. */
export function scopeOf(db: Queryable, adminId: number): Scope {
  const scope = emptyScope();
  const rows = prepared(
    db,
    'select kind, ref_id as refId from admin_scopes where admin_id = ? order by kind, ref_id',
  ).all(adminId) as { kind: ScopeKind; refId: number }[];
  for (const row of rows) if (SCOPE_KINDS.includes(row.kind)) scope[row.kind].push(row.refId);
  return scope;
}

/** Turns an administrator's row into the actor, reading their scope when they have one. */
export function actorOf(db: Queryable, user: User): Actor | undefined {
  if (user.adminRole === null) return undefined;
  if (user.adminRole === 'superuser') {
    return { ...user, adminRole: 'superuser', scope: 'everyone', permissions: new Set(PERMISSIONS) };
  }
  const granted = (user.adminPermissions ?? []).filter((p) => PERMISSIONS.includes(p));
  return { ...user, adminRole: 'admin', scope: scopeOf(db, user.id), permissions: new Set(granted) };
}

/** Whether the account belongs to an administrator (of any role), who signs in to the console. */
export const isAdministrator = (user: Pick<User, 'adminRole'>) => user.adminRole !== null;

/** Whether any superuser exists yet: until one does, Roster offers its first-run setup. */
export function superuserExists(db: Queryable): boolean {
  return (
    prepared(db, "select 1 from users where admin_role = 'superuser' and deleted_at is null limit 1").get() !==
    undefined
  );
}

/** Whether the account may be used at all: an open session ends as soon as this turns false. */
export function isEnabled(user: Pick<User, 'status' | 'blocked'>): boolean {
  return user.status === 'active' && !user.blocked;
}

/**
 * An administrator who may act now (not in the trash, active and not blocked), read afresh, so
 * deactivating, blocking, demoting or narrowing an administrator takes effect at their next
 * request or job.
 */
export function activeAdministrator(db: Queryable, id: number): Actor | undefined {
  const row = prepared(db, 'select * from users where id = ? and admin_role is not null and deleted_at is null').get(
    id,
  ) as Record<string, unknown> | undefined;
  const user = row && toUser(row);
  return user && isEnabled(user) ? actorOf(db, user) : undefined;
}
