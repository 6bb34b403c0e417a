import type { Actor } from '../access/actor.js';
import { may } from '../access/policy.js';
import type { Permission } from '../db/schema.js';
import { mailActionChoices } from '../mail/mail-actions.js';

/** The permission each action on a selection needs. */
export const ACTION_PERMISSIONS: Record<string, Permission> = {
  update: 'edit',
  activate: 'access',
  deactivate: 'access',
  block: 'access',
  unblock: 'access',
  unlock: 'access',
  expire: 'access',
  reset: 'access',
  delete: 'delete',
  restore: 'delete',
  broadcast: 'email',
};

export const mayApply = (actor: Actor, action: string) => {
  const permission = ACTION_PERMISSIONS[action];
  return permission !== undefined && may(actor, permission);
};

/**
 * The actions the list's selection bar offers the actor, in its drop-down's order. The reset
 * says how the users will get back in: links by mail once mail is set up (M1), temporary
 * passwords until then. The mail actions follow, once mail is set up.
 */
export function bulkActionChoices(actor: Actor, mailReady: boolean): [string, string][] {
  const all: [string, string][] = [
    ['update', 'Update settings…'],
    ['activate', 'Activate'],
    ['deactivate', 'Deactivate'],
    ['block', 'Block'],
    ['unblock', 'Unblock'],
    ['unlock', 'Unlock'],
    ['expire', 'Expire password'],
    ['reset', mailReady ? 'Reset password (email links)…' : 'Reset password (temporary passwords)…'],
    ['delete', 'Delete…'],
    ['broadcast', 'Broadcast a message…'],
  ];
  return [...all.filter(([action]) => mayApply(actor, action)), ...mailActionChoices(actor, mailReady)];
}
