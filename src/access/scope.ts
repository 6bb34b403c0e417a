import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { users } from '../db/schema.js';
import type { Actor, Scope } from './actor.js';

/** The users table, or an alias of it when a query names it differently (`u`). */
type UsersTable = Record<'id' | 'deletedAt' | 'territoryId' | 'userTypeId', AnyColumn>;

const ids = (list: number[]) => sql.raw(list.map((id) => Math.trunc(id)).join(','));

/**
 * Whether a user row lies inside a scope, whether they are live or in the trash. Within a kind
 * any listed item matches (a user in any of the listed groups); the kinds combine with AND. A
 * scope that lists nothing matches no one.
 */
function inScope(scope: Scope, table: UsersTable): SQL {
  const parts: SQL[] = [];
  const member = (membership: string, list: number[]) =>
    sql`exists (select 1 from ${sql.raw(membership)} m where m.user_id = ${table.id} and m.ref_id in (${ids(list)}))`;
  if (scope.groups.length > 0) parts.push(member('user_groups', scope.groups));
  if (scope.companies.length > 0) parts.push(member('user_companies', scope.companies));
  if (scope.territories.length > 0) parts.push(sql`${table.territoryId} in (${ids(scope.territories)})`);
  if (scope.userTypes.length > 0) parts.push(sql`${table.userTypeId} in (${ids(scope.userTypes)})`);
  return parts.length === 0 ? sql`0` : sql.join(parts, sql` and `);
}

/** The users the actor may look at at all, wherever they are: nothing without the view permission. */
function reachable(actor: Actor, table: UsersTable): SQL | undefined {
  if (actor.scope === 'everyone') return undefined;
  if (!actor.permissions.has('view')) return sql`0`;
  return inScope(actor.scope, table);
}

/**
 * The one condition for live users an administrator may see and act on. Every query over users
 * starts from it, so scope holds by construction rather than by remembering.
 */
export function visibleTo(actor: Actor, table: UsersTable = users): SQL {
  const reach = reachable(actor, table);
  return reach ? sql`${table.deletedAt} is null and ${reach}` : sql`${table.deletedAt} is null`;
}

/** The trash's counterpart: users in the trash who were inside the actor's scope. */
export function trashedVisibleTo(actor: Actor, table: UsersTable = users): SQL {
  const reach = reachable(actor, table);
  return reach ? sql`${table.deletedAt} is not null and ${reach}` : sql`${table.deletedAt} is not null`;
}

/**
 * The audit entries an administrator may read: a superuser reads the whole log; anyone else
 * reads what they did themselves and what was done to users inside their scope (live or in the
 * trash). The entry table is `audit_entries`; `table` is the users table joined on its target.
 */
export function auditVisibleTo(actor: Actor, table: UsersTable = users): SQL | undefined {
  const reach = reachable(actor, table);
  if (!reach) return undefined;
  return sql`(audit_entries.actor_id = ${actor.id} or (${table.id} is not null and ${reach}))`;
}

/** Whether the actor reads the whole audit log, so no join to users is needed. */
export const readsWholeAuditLog = (actor: Actor) => actor.scope === 'everyone';
