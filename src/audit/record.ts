import type { Queryable } from '../db/connection.js';
import { auditEntries } from '../db/schema.js';

/** Everything that is audited, by the name it is stored under. */
export const AUDIT_ACTIONS = {
  'admin.signin': 'Administrator signed in',
  'admin.signin_failed': 'Administrator sign-in failed',
  'user.create': 'User created',
  'user.update': 'User updated',
  'user.status': 'Status changed',
  'user.block': 'User blocked',
  'user.unblock': 'User unblocked',
  'user.unlock': 'User unlocked',
  'user.delete': 'User moved to the trash',
  'user.restore': 'User restored',
  'user.purge': 'User deleted permanently',
  'account.password': 'Changed their own password',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export interface AuditEntry {
  action: AuditAction;
  actor: { id: number; name: string } | null;
  target?: { id: number; name: string };
  /** Field-level changes, before → after. */
  changes?: Record<string, [unknown, unknown]>;
  detail?: string;
  requestId?: string;
}

/**
 * Writes one audit entry. Call it with the transaction that makes the change, so the change
 * and its record are committed together or not at all.
 */
export function recordAudit(db: Queryable, entry: AuditEntry, at = new Date()): void {
  db.insert(auditEntries)
    .values({
      at,
      actorId: entry.actor?.id ?? null,
      actorName: entry.actor?.name ?? '',
      action: entry.action,
      targetUserId: entry.target?.id ?? null,
      targetName: entry.target?.name ?? '',
      changes: entry.changes ?? null,
      detail: entry.detail ?? '',
      requestId: entry.requestId ?? '',
    })
    .run();
}
