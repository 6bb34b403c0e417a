import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import type { Permission, User } from '../db/schema.js';
import { oneRow } from '../db/statements.js';
import type { Actor } from './actor.js';

/**
 * The capability questions. Routes, templates, bulk rules, exports and imports ask these; no
 * other module compares roles. A superuser may do everything; a scoped administrator may do
 * what their permissions grant, to users inside their scope.
 */
export const isSuperuser = (actor: Pick<Actor, 'adminRole'>) => actor.adminRole === 'superuser';
export const may = (actor: Pick<Actor, 'permissions'>, permission: Permission) => actor.permissions.has(permission);

export const mayAddUsers = (actor: Actor) => may(actor, 'edit');
export const mayEditUsers = (actor: Actor) => may(actor, 'edit');
export const mayDeleteUsers = (actor: Actor) => may(actor, 'delete');
export const mayChangeAccess = (actor: Actor) => may(actor, 'access');
export const mayExport = (actor: Actor) => may(actor, 'transfer');
/** Importing creates users, so it needs both the import permission and adding users. */
export const mayImport = (actor: Actor) => may(actor, 'transfer') && may(actor, 'edit');
export const mayEmail = (actor: Actor) => may(actor, 'email');
export const mayChangeSettings = isSuperuser;
export const mayManageAdministrators = isSuperuser;
export const mayManageReferenceLists = isSuperuser;

/** What each capability is called in a refusal ("You may not … here."). */
export const PERMISSION_WORDS: Record<Permission, string> = {
  view: 'view users',
  edit: 'add or edit users',
  delete: 'delete or restore users',
  access: 'change passwords and access',
  transfer: 'import or export users',
  email: 'email users',
};

/**
 * The flags every page's template reads to show or hide actions. Templates never look at the
 * role or the permissions themselves.
 */
export function capabilities(actor: Actor) {
  return {
    superuser: isSuperuser(actor),
    addUsers: mayAddUsers(actor),
    editUsers: mayEditUsers(actor),
    deleteUsers: mayDeleteUsers(actor),
    changeAccess: mayChangeAccess(actor),
    exportUsers: mayExport(actor),
    importUsers: mayImport(actor),
    email: mayEmail(actor),
    settings: mayChangeSettings(actor),
    administrators: mayManageAdministrators(actor),
    referenceLists: mayManageReferenceLists(actor),
  };
}
export type Capabilities = ReturnType<typeof capabilities>;

/**
 * What a change does to an account, for the protections below. Deactivating, blocking and
 * deleting take the account away; `password` replaces its password or expires it; `edit`
 * changes its fields.
 */
export type Effect = 'deactivate' | 'block' | 'delete' | 'password' | 'edit';
const TAKES_AWAY = new Set<Effect>(['deactivate', 'block', 'delete']);

/** A protection as a condition over the users table aliased `u`, with the reason the page gives. */
export interface Protection {
  when: SQL;
  reason: string;
}

const SELF_REASONS: Record<Effect, string | undefined> = {
  deactivate: 'You cannot deactivate your own account.',
  block: 'You cannot block your own account.',
  delete: 'You cannot delete your own account while signed in with it.',
  password: 'Change your own password from your account instead.',
  edit: undefined,
};

export const LAST_SUPERUSER = 'The last active superuser cannot be taken away: without one nobody could manage Roster.';

/**
 * The protections every change to accounts obeys, whoever acts, one user or a million:
 * - nobody locks themselves out;
 * - only a superuser changes another administrator's account, so a scoped administrator can
 *   never reach above their own rights;
 * - the last active superuser is never taken away: `changing` is the set of ids the change
 *   takes away (a bulk selection, or one id), so a selection of every superuser is refused too.
 */
export function protections(actor: Actor, effect: Effect, changing: SQL): Protection[] {
  const rules: Protection[] = [];
  const self = SELF_REASONS[effect];
  if (self) rules.push({ when: sql`u.id = ${actor.id}`, reason: self });
  if (!isSuperuser(actor)) {
    rules.push({
      when: sql`u.admin_role is not null and u.id <> ${actor.id}`,
      reason: "Only a superuser can change an administrator's account.",
    });
  }
  if (TAKES_AWAY.has(effect)) rules.push(lastSuperuser(changing));
  return rules;
}

/** Refuses a superuser (aliased `u`) when no other active superuser would remain outside `changing`. */
export function lastSuperuser(changing: SQL): Protection {
  return {
    when: sql`u.admin_role = 'superuser' and not exists (select 1 from users s where s.admin_role = 'superuser'
      and s.status = 'active' and s.blocked = 0 and s.deleted_at is null and s.id not in ${changing})`,
    reason: LAST_SUPERUSER,
  };
}

/** Every protection that refuses this change to one user, in words (none: it may go ahead). */
export function refusals(db: Queryable, actor: Actor, effect: Effect, user: Pick<User, 'id'>): string[] {
  const rules = protections(actor, effect, sql`(${user.id})`);
  if (rules.length === 0) return [];
  const checks = sql.join(
    rules.map((r) => sql`case when ${r.when} then 1 else 0 end`),
    sql`, `,
  );
  const row = oneRow<{ hits: string }>(
    db,
    sql`select json_array(${checks}) as hits from users u where u.id = ${user.id}`,
  );
  const hits = row ? (JSON.parse(row.hits) as number[]) : [];
  return rules.filter((_, i) => hits[i] === 1).map((r) => r.reason);
}

/**
 * What the actor may do to this one user, for the buttons of the user page: the permission,
 * and no protection in the way (a scoped administrator sees an administrator's account, but
 * cannot change it). The routes check the same again.
 */
export function actionsOn(db: Queryable, actor: Actor, user: Pick<User, 'id'>) {
  const changeable = refusals(db, actor, 'edit', user).length === 0;
  return {
    edit: mayEditUsers(actor) && changeable,
    clone: mayAddUsers(actor),
    delete: mayDeleteUsers(actor) && changeable,
    access: mayChangeAccess(actor) && changeable,
    password: mayChangeAccess(actor) && refusals(db, actor, 'password', user).length === 0,
  };
}
