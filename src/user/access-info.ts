import { and, eq, gt, inArray } from 'drizzle-orm';
import type { Session } from 'fastify';
import { AUDIT_ACTIONS } from '../audit/record.js';
import { type AuditRow, historyOf } from '../audit/repository.js';
import type { Queryable } from '../db/connection.js';
import { sessions, type User, users } from '../db/schema.js';
import { sessionHandle } from './access-writes.js';
import { displayName } from '../users/derived-fields.js';
import { changeWords } from '../audit/change-words.js';
import type { DateWords } from '../dates.js';
import type { Actor } from '../access/actor.js';

export const HISTORY_SIZE = 20;

export type PasswordState = 'none' | 'must change' | 'expired' | 'set';

export interface OpenSession {
  handle: string;
  kind: 'console' | 'portal';
  startedAt: Date | null;
  lastSeenAt: Date | null;
  expiresAt: Date;
}

export interface HistoryLine {
  at: Date;
  action: string;
  actorName: string;
  detail: string;
  changes: { label: string; before: string; after: string }[];
}

export interface AdvancedInfo {
  user: User;
  /** The name audit entries record the user under. */
  name: string;
  createdBy: string | null;
  updatedBy: string | null;
  passwordState: PasswordState;
  sessions: OpenSession[];
  history: HistoryLine[];
  /** More entries than the page shows: the audit log has the rest. */
  moreHistory: boolean;
}

export function passwordState(user: User, now = new Date()): PasswordState {
  if (user.passwordHash === null) return 'none';
  if (user.mustChangePassword) return 'must change';
  if (user.passwordExpiresAt !== null && user.passwordExpiresAt <= now) return 'expired';
  return 'set';
}

function historyLine(row: AuditRow, dates: DateWords): HistoryLine {
  return {
    at: row.at,
    action: AUDIT_ACTIONS[row.action as keyof typeof AUDIT_ACTIONS] ?? row.action,
    actorName: row.actorName,
    detail: row.detail,
    changes: changeWords(row.action, row.changes, dates).map(({ field, before, after }) => ({
      label: field,
      before,
      after,
    })),
  };
}

function openSessions(db: Queryable, userId: number, now: Date): OpenSession[] {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .all()
    .map((row) => {
      const data = JSON.parse(row.data) as Partial<Session>;
      return {
        handle: sessionHandle(row.sid),
        kind: data.accountId !== undefined ? ('portal' as const) : ('console' as const),
        startedAt: typeof data.createdAt === 'number' ? new Date(data.createdAt) : null,
        lastSeenAt: typeof data.lastSeenAt === 'number' ? new Date(data.lastSeenAt) : null,
        expiresAt: row.expiresAt,
      };
    })
    .sort((a, b) => (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0));
}

/**
 * Everything the "Advanced information" section shows about a user the actor already found in
 * scope: who created and last changed them, their password and sign-in state, their open
 * sessions, and their newest history entries.
 */
export function advancedInfo(
  db: Queryable,
  actor: Actor,
  user: User,
  dates: DateWords,
  now = new Date(),
): AdvancedInfo {
  const ids = [user.createdBy, user.updatedBy].filter((id): id is number => id !== null);
  const names = new Map(
    (ids.length ? db.select().from(users).where(inArray(users.id, ids)).all() : []).map((u) => [u.id, displayName(u)]),
  );
  const rows = historyOf(db, actor, user.id, HISTORY_SIZE + 1);
  return {
    user,
    name: displayName(user),
    createdBy: user.createdBy === null ? null : (names.get(user.createdBy) ?? null),
    updatedBy: user.updatedBy === null ? null : (names.get(user.updatedBy) ?? null),
    passwordState: passwordState(user, now),
    sessions: openSessions(db, user.id, now),
    history: rows.slice(0, HISTORY_SIZE).map((row) => historyLine(row, dates)),
    moreHistory: rows.length > HISTORY_SIZE,
  };
}
