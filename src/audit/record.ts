import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { auditEntries } from '../db/schema.js';
import { preparedFor } from '../db/statements.js';

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
  db.insert(auditEntries).values(entryRow(entry, at)).run();
}

function entryRow(entry: AuditEntry, at: Date) {
  return {
    at,
    actorId: entry.actor?.id ?? null,
    actorName: entry.actor?.name ?? '',
    action: entry.action,
    targetUserId: entry.target?.id ?? null,
    targetName: entry.target?.name ?? '',
    changes: entry.changes ?? null,
    detail: entry.detail ?? '',
    requestId: entry.requestId ?? '',
  };
}

/**
 * Writes one entry per user of a bulk action. The same as recordAudit for each, through one
 * prepared statement: building a query per entry would cost seconds at 100,000 users.
 */
export function recordAudits(db: Queryable, entries: Iterable<AuditEntry>, at = new Date()): number {
  const insert = preparedFor(
    db,
    sql`insert into audit_entries (at, actor_id, actor_name, action, target_user_id, target_name, changes, detail, request_id)
        values (${0}, ${0}, ${''}, ${''}, ${0}, ${''}, ${''}, ${''}, ${''})`,
  );
  let written = 0;
  for (const entry of entries) {
    const row = entryRow(entry, at);
    const changes = row.changes === null ? null : JSON.stringify(row.changes);
    insert.run(
      at.getTime(),
      row.actorId,
      row.actorName,
      row.action,
      row.targetUserId,
      row.targetName,
      changes,
      row.detail,
      row.requestId,
    );
    written++;
  }
  return written;
}
