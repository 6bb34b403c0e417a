import type { Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { prepared } from '../db/statements.js';
import { displayName } from '../users/derived-fields.js';

/** Everything that is audited, by the name it is stored under. */
export const AUDIT_ACTIONS = {
  'admin.signin': 'Administrator signed in',
  'admin.signin_failed': 'Console sign-in failed',
  'account.signin_failed': 'Portal sign-in failed',
  'user.create': 'User created',
  'user.update': 'User updated',
  'user.status': 'Status changed',
  'user.block': 'User blocked',
  'user.unblock': 'User unblocked',
  'user.unlock': 'User unlocked',
  'user.password': 'Password reset or expired',
  'user.mail': 'Mail sent to the user',
  'account.reset_requested': 'Asked for a set-password link',
  'user.delete': 'User moved to the trash',
  'user.restore': 'User restored',
  'user.purge': 'User deleted permanently',
  'users.export': 'Users exported',
  'account.password': 'Changed their own password',
  'settings.mail': 'Mail settings changed',
  'admin.grant': 'Made an administrator',
  'admin.change': 'Administrator access changed',
  'admin.revoke': 'Administration revoked',
  'admin.recover': 'Superuser recovered from the server',
  'list.add': 'List item added',
  'list.rename': 'List item renamed',
  'list.merge': 'List items merged',
  'list.remove': 'List item removed',
  'settings.directory': 'Directory settings changed',
  'directory.sync': 'Directory sync run',
  'two_step.enrol': 'Set up two-step verification',
  'two_step.recovery_codes': 'Made new recovery codes',
  'two_step.off': 'Turned off two-step verification',
  'two_step.reset': 'Two-step verification reset',
  'two_step.failed': 'Two-step code refused',
  'settings.two_step': 'Two-step requirement changed',
  'licences.pool': 'Licence pool changed',
  'user.licence': 'Licences changed in the licence view',
  'user.database': 'Database access changed in the database view',
  'broadcast.create': 'Broadcast created',
  'broadcast.update': 'Broadcast changed',
  'broadcast.cancel': 'Broadcast cancelled',
  'broadcast.send': 'Broadcast sent',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export interface AuditEntry {
  action: AuditAction;
  /** A null id names the system acting under its own name (the directory sync). */
  actor: { id: number | null; name: string } | null;
  target?: { id: number; name: string };
  /** Field-level changes, before → after. */
  changes?: Record<string, [unknown, unknown]>;
  detail?: string;
  requestId?: string;
}

/**
 * Writes one audit entry. Call it with the transaction that makes the change, so the change
 * and its record are committed together or not at all. Bulk actions write theirs in one
 * statement instead (see bulk/changed-set.ts).
 */
export function recordAudit(db: Queryable, entry: AuditEntry, at = new Date()): void {
  prepared(
    db,
    `insert into audit_entries (at, actor_id, actor_name, action, target_user_id, target_name, changes, detail, request_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    at.getTime(),
    entry.actor?.id ?? null,
    entry.actor?.name ?? '',
    entry.action,
    entry.target?.id ?? null,
    entry.target?.name ?? '',
    entry.changes ? JSON.stringify(entry.changes) : null,
    entry.detail ?? '',
    entry.requestId ?? '',
  );
}

/** An administrator as an audit entry names them: by id, and by their name as it reads today. */
export const auditActor = (actor: Pick<User, 'id' | 'fullName' | 'firstName' | 'lastName' | 'username'>) => ({
  id: actor.id,
  name: displayName(actor),
});
