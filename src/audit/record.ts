import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';

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
  'user.password': 'Password reset or expired',
  'user.delete': 'User moved to the trash',
  'user.restore': 'User restored',
  'user.purge': 'User deleted permanently',
  'account.password': 'Changed their own password',
  'settings.mail': 'Mail settings changed',
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
  recordAudits(db, [entry], at);
}

/**
 * Writes audit entries, as many as a bulk action makes (one per user), through one prepared
 * statement: building a query per entry would cost seconds at 100,000 users.
 */
export function recordAudits(db: Queryable, entries: Iterable<AuditEntry>, at = new Date()): void {
  const insert = prepared(
    db,
    `insert into audit_entries (at, actor_id, actor_name, action, target_user_id, target_name, changes, detail, request_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const entry of entries) {
    insert.run(
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
}
