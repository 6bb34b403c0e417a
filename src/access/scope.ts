import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { SCOPE_KINDS, type ScopeKind, users } from '../db/schema.js';
import { oneRow } from '../db/statements.js';
import type { Actor, Scope } from './actor.js';

/** The users table, or an alias of it when a query names it differently (`u`). */
type UsersTable = Record<'id' | 'deletedAt' | 'territoryId' | 'userTypeId', AnyColumn>;

const ids = (list: number[]) => sql.raw(list.map((id) => Math.trunc(id)).join(','));

/**
 * Matches no user. Not a constant false: SQLite folds \`0\` away and then finds no plan for a
 * query that names its index (INDEXED BY), answering "no query solution".
 */
const nobody = (table: UsersTable) => sql`${table.id} is null`;

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
  return parts.length === 0 ? nobody(table) : sql.join(parts, sql` and `);
}

/** The users the actor may look at at all, wherever they are: nothing without the view permission. */
function reachable(actor: Actor, table: UsersTable): SQL | undefined {
  if (actor.scope === 'everyone') return undefined;
  if (!actor.permissions.has('view')) return nobody(table);
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

/** What a user holds of each kind a scope can name. */
export type ScopeValues = Record<ScopeKind, number[]>;

export const SCOPE_WORDS: Record<ScopeKind, { plural: string; one: string }> = {
  groups: { plural: 'groups', one: 'group' },
  territories: { plural: 'territories', one: 'territory' },
  companies: { plural: 'companies', one: 'company' },
  userTypes: { plural: 'user types', one: 'user type' },
};

/** The groups, territory, companies and user type a user holds now. */
export function scopeValuesOf(db: Queryable, userId: number): ScopeValues {
  const row = oneRow<{ territoryId: number | null; userTypeId: number | null; groups: string; companies: string }>(
    db,
    sql`select territory_id as territoryId, user_type_id as userTypeId,
          (select json_group_array(ref_id) from user_groups where user_id = ${userId}) as groups,
          (select json_group_array(ref_id) from user_companies where user_id = ${userId}) as companies
        from users where id = ${userId}`,
  );
  if (!row) return { groups: [], territories: [], companies: [], userTypes: [] };
  return {
    groups: JSON.parse(row.groups) as number[],
    companies: JSON.parse(row.companies) as number[],
    territories: row.territoryId === null ? [] : [row.territoryId],
    userTypes: row.userTypeId === null ? [] : [row.userTypeId],
  };
}

/**
 * Why a scoped administrator may not give a user these values of one kind: a value they add
 * must lie inside their scope, and the user must still match it afterwards, so nobody is moved
 * out of reach by accident. Values the user already holds may stay (a user in Sales and
 * Engineering, edited by the administrator of Sales, keeps Engineering). `held` is undefined for
 * a new user, and for a bulk change, where every value given counts as added.
 */
export function scopeProblem(actor: Actor, kind: ScopeKind, given: number[], held?: number[]): string | undefined {
  if (actor.scope === 'everyone' || actor.scope[kind].length === 0) return undefined;
  const allowed = new Set(actor.scope[kind]);
  const words = SCOPE_WORDS[kind];
  if (given.some((id) => !held?.includes(id) && !allowed.has(id))) return `Choose only ${words.plural} in your scope.`;
  if (!given.some((id) => allowed.has(id))) {
    return `Keep at least one ${words.one} in your scope, or the user would be out of your reach.`;
  }
  return undefined;
}

/** scopeProblem for every kind a user form sets at once. */
export function scopeProblems(
  actor: Actor,
  given: ScopeValues,
  held?: ScopeValues,
): Partial<Record<ScopeKind, string>> {
  const problems: Partial<Record<ScopeKind, string>> = {};
  for (const kind of SCOPE_KINDS) {
    const problem = scopeProblem(actor, kind, given[kind], held?.[kind]);
    if (problem) problems[kind] = problem;
  }
  return problems;
}

/**
 * A bulk removal from a membership list the scope names: the users (aliased \`u\`) it would
 * leave with none of the scope's items of that kind, who would fall out of reach.
 */
export function leavingScope(actor: Actor, kind: 'groups' | 'companies', removed: number[]) {
  if (actor.scope === 'everyone' || actor.scope[kind].length === 0) return undefined;
  const kept = actor.scope[kind].filter((id) => !removed.includes(id));
  const membership = sql.raw(kind === 'groups' ? 'user_groups' : 'user_companies');
  return {
    when:
      kept.length === 0
        ? sql`1`
        : sql`not exists (select 1 from ${membership} m where m.user_id = u.id and m.ref_id in (${ids(kept)}))`,
    reason: `They would have no ${SCOPE_WORDS[kind].one} left in your scope, and be out of your reach.`,
  };
}
