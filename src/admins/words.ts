import type { Actor, Scope } from '../access/actor.js';
import { isSuperuser } from '../access/policy.js';
import type { Permission, ScopeKind } from '../db/schema.js';
import type { ReferenceLists } from '../reference/reference-lists.js';

/** What each permission lets a scoped administrator do, as the form's check boxes say it. */
export const PERMISSION_LABELS: Record<Permission, string> = {
  view: 'View users',
  edit: 'Create and edit users',
  delete: 'Delete and restore users',
  access: 'Passwords and access (status, block, unlock, reset, expire)',
  transfer: 'Import and export',
  email: 'Email users',
};

/** The scope's kinds in the order a sentence names them, with their headings. */
export const SCOPE_LABELS: Record<ScopeKind, string> = {
  groups: 'Groups',
  territories: 'Territories',
  companies: 'Companies',
  userTypes: 'User types',
};

/** An administrator's access as the page and the audit log say it: no ids, only names. */
export interface AccessWords {
  role: string;
  scope: string;
  permissions: string;
}

type Access = Pick<Actor, 'adminRole' | 'scope' | 'permissions'>;

export const roleWords = (access: Pick<Actor, 'adminRole'>) =>
  isSuperuser(access) ? 'Superuser' : 'Scoped administrator';

/** "Groups: Sales, Support · Territories: Nordics"; "Everyone" for a superuser. */
export function scopeWords(scope: Scope | 'everyone', lists: ReferenceLists): string {
  if (scope === 'everyone') return 'Everyone';
  const parts = (Object.keys(SCOPE_LABELS) as ScopeKind[])
    .filter((kind) => scope[kind].length > 0)
    .map((kind) => {
      const names = scope[kind].map((id) => lists[kind].byId.get(id)).filter((o) => o !== undefined);
      names.sort((a, b) => a.rank - b.rank);
      return `${SCOPE_LABELS[kind]}: ${names.map((o) => o.name).join(', ')}`;
    });
  return parts.length > 0 ? parts.join(' · ') : 'No users (empty scope)';
}

export function permissionWords(access: Access): string {
  if (isSuperuser(access)) return 'Everything, including settings and administrators';
  const granted = (Object.keys(PERMISSION_LABELS) as Permission[]).filter((p) => access.permissions.has(p));
  return granted.length > 0 ? granted.map((p) => PERMISSION_LABELS[p]).join('; ') : 'None';
}

export function accessWords(access: Access, lists: ReferenceLists): AccessWords {
  return { role: roleWords(access), scope: scopeWords(access.scope, lists), permissions: permissionWords(access) };
}
