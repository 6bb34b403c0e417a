import type { Queryable } from '../db/connection.js';
import { ADMIN_ROLES, type Permission, PERMISSIONS, SCOPE_KINDS, type ScopeKind } from '../db/schema.js';
import { type Actor, emptyScope, type Scope } from '../access/actor.js';
import { isSuperuser } from '../access/policy.js';
import { referenceLists } from '../reference/reference-lists.js';

/** The role, scope and permissions as posted: strings, so a refused form comes back as sent. */
export interface AccessInput {
  role: string;
  permissions: string[];
  scope: Record<ScopeKind, string[]>;
}

/** What is written: a superuser has no scope rows and no permission list (they have everything). */
export interface AccessValues {
  role: NonNullable<Actor['adminRole']>;
  permissions: Permission[] | null;
  scope: Scope;
}

export type AccessErrors = Record<string, string>;

const many = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String).slice(0, 1000);

/** A new administrator starts scoped, seeing nobody and allowed nothing until chosen. */
export const blankAccess = (): AccessInput => ({
  role: 'admin',
  permissions: [],
  scope: { groups: [], territories: [], companies: [], userTypes: [] },
});

/** The form as an administrator's stored access fills it. */
export function accessInputOf(admin: Pick<Actor, 'adminRole' | 'scope' | 'permissions'>): AccessInput {
  const scope = admin.scope === 'everyone' ? emptyScope() : admin.scope;
  return {
    role: admin.adminRole,
    permissions: isSuperuser(admin) ? [] : [...admin.permissions],
    scope: Object.fromEntries(SCOPE_KINDS.map((k) => [k, scope[k].map(String)])) as AccessInput['scope'],
  };
}

export function readAccessForm(body: Record<string, unknown> | undefined): AccessInput {
  const b = body ?? {};
  return {
    role: String(b.role ?? '').slice(0, 20),
    permissions: many(b.permissions),
    scope: Object.fromEntries(SCOPE_KINDS.map((k) => [k, many(b[k])])) as AccessInput['scope'],
  };
}

/**
 * Checks the role, the permissions and every scope id against the reference lists as they are
 * now: an id that is not on a list (removed since the form was opened, or made up) is refused.
 */
export function validateAccess(
  db: Queryable,
  input: AccessInput,
): { values: AccessValues; errors?: undefined } | { values?: undefined; errors: AccessErrors } {
  const errors: AccessErrors = {};
  const role = ADMIN_ROLES.find((r) => r === input.role);
  if (!role) errors.role = 'Choose superuser or scoped administrator.';
  const permissions = [...new Set(input.permissions)];
  if (permissions.some((p) => !(PERMISSIONS as readonly string[]).includes(p))) {
    errors.permissions = 'Choose only from the permissions listed.';
  }
  const lists = referenceLists(db);
  const scope = emptyScope();
  for (const kind of SCOPE_KINDS) {
    for (const raw of new Set(input.scope[kind])) {
      const id = Number(raw);
      if (/^\d+$/.test(raw) && lists[kind].byId.has(id)) scope[kind].push(id);
      else errors[kind] = 'Choose only from the list.';
    }
    scope[kind].sort((a, b) => a - b);
  }
  if (!role || Object.keys(errors).length > 0) return { errors };
  if (isSuperuser({ adminRole: role })) return { values: { role, permissions: null, scope: emptyScope() } };
  const ordered = PERMISSIONS.filter((p) => permissions.includes(p));
  return { values: { role, permissions: ordered, scope } };
}
