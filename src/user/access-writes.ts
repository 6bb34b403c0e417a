import { and, eq, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { auditActor, type AuditAction, recordAudit } from '../audit/record.js';
import { endSessionsOf } from '../auth/session-store.js';
import type { Db } from '../db/connection.js';
import type { Actor } from '../access/actor.js';
import { type Effect, refusals } from '../access/policy.js';
import { sessions, signinFailures, type User, users } from '../db/schema.js';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import { gainsOf, holdingOf, seatShortfalls, shortfallWords } from '../licences/limits.js';

export type AccessAction = 'activate' | 'deactivate' | 'block' | 'unblock' | 'unlock';

/** What happened, in words the flash message can use. */
export type AccessOutcome =
  | { done: true; user: User; sessionsEnded: number }
  | { done: false; user: User; unchanged: true }
  | { done: false; user: User; unchanged: false; refused: string };

/** Actions that take the account away: they end its sessions and must leave someone in charge. */
const DISABLING = new Set<AccessAction>(['deactivate', 'block']);

/** What each action does to an account, for the protections every change obeys. */
const EFFECTS: Record<AccessAction, Effect> = {
  activate: 'edit',
  deactivate: 'deactivate',
  block: 'block',
  unblock: 'edit',
  unlock: 'edit',
};

const AUDIT: Record<AccessAction, AuditAction> = {
  activate: 'user.status',
  deactivate: 'user.status',
  block: 'user.block',
  unblock: 'user.unblock',
  unlock: 'user.unlock',
};

function sessionsEndedText(ended: number): string {
  if (ended === 0) return 'No session was open';
  return ended === 1 ? '1 session ended' : `${ended} sessions ended`;
}

function isLocked(user: User, now: Date): boolean {
  return user.lockedUntil !== null && user.lockedUntil > now;
}

/** The columns an action writes, as before → after, or undefined when it would change nothing. */
function changesFor(
  action: AccessAction,
  user: User,
  now: Date,
): { set: Partial<User>; changes: Record<string, [unknown, unknown]> } | undefined {
  switch (action) {
    case 'activate':
    case 'deactivate': {
      const status = action === 'activate' ? 'active' : 'inactive';
      if (user.status === status) return undefined;
      return { set: { status }, changes: { status: [user.status, status] } };
    }
    case 'block':
    case 'unblock': {
      const blocked = action === 'block';
      if (user.blocked === blocked) return undefined;
      return { set: { blocked }, changes: { blocked: [user.blocked, blocked] } };
    }
    case 'unlock': {
      // Failures alone (no lock yet) are worth clearing too: the next few would lock the account.
      if (!isLocked(user, now) && user.failedSigninCount === 0) return undefined;
      return {
        set: { lockedUntil: null, failedSigninCount: 0 },
        changes: {
          lockedUntil: [user.lockedUntil?.toISOString() ?? null, null],
          failedSigninCount: [user.failedSigninCount, 0],
        },
      };
    }
  }
}

/**
 * Activates, deactivates, blocks, unblocks or unlocks a user the actor may see. The row, its
 * audit entry and the end of the user's sessions are one transaction: a blocked user never
 * keeps a session that the log says was ended. Returns undefined when the user is out of scope.
 */
export function changeAccess(
  db: Db,
  actor: Actor,
  userId: number,
  action: AccessAction,
  requestId: string,
  now = new Date(),
): AccessOutcome | undefined {
  const outcome = db.transaction(
    (tx): AccessOutcome | undefined => {
      const user = findVisibleUser(tx, actor, userId);
      if (!user) return undefined;
      const [refused] = refusals(tx, actor, EFFECTS[action], user);
      if (refused) return { done: false, user, unchanged: false, refused };
      const change = changesFor(action, user, now);
      if (!change) return { done: false, user, unchanged: true };
      // When inactive and blocked users release their licences, switching one on takes them back.
      if (action === 'activate' || action === 'unblock') {
        const held = holdingOf(tx, user.id)!;
        const after = { ...held, ...(action === 'activate' ? { status: 'active' } : { blocked: false }) };
        const shortfall = shortfallWords(seatShortfalls(tx, gainsOf(tx, [{ before: held, after }])));
        if (shortfall) return { done: false, user, unchanged: false, refused: shortfall };
      }
      tx.update(users)
        .set({ ...change.set, updatedAt: now, updatedBy: actor.id, version: sql`${users.version} + 1` })
        .where(eq(users.id, user.id))
        .run();
      if (action === 'unlock') tx.delete(signinFailures).where(eq(signinFailures.userId, user.id)).run();
      // better-sqlite3 runs everything on one connection: this delete is part of the transaction.
      const sessionsEnded = DISABLING.has(action) ? endSessionsOf(db, user.id) : 0;
      recordAudit(
        tx,
        {
          action: AUDIT[action],
          actor: auditActor(actor),
          target: { id: user.id, name: displayName(user) },
          changes: change.changes,
          detail: DISABLING.has(action) ? sessionsEndedText(sessionsEnded) : '',
          requestId,
        },
        now,
      );
      return { done: true, user: { ...user, ...change.set }, sessionsEnded };
    },
    { behavior: 'immediate' },
  );
  return outcome;
}

/**
 * A stand-in for a session id on pages and in URLs. The id itself is the secret half of a
 * signed-in browser's cookie: it never leaves the server, not even to an administrator.
 */
export function sessionHandle(sid: string): string {
  return createHash('sha256').update(sid).digest('hex').slice(0, 24);
}

/**
 * Ends one session of a user the actor may see, named by its handle. A handle that belongs to
 * another user's session (or to none) ends nothing. Returns undefined when the user is out of
 * scope, false when no such session of theirs is open.
 */
export function revokeSession(
  db: Db,
  actor: Actor,
  userId: number,
  handle: string,
  requestId: string,
  now = new Date(),
): boolean | undefined {
  return db.transaction(
    (tx) => {
      const user = findVisibleUser(tx, actor, userId);
      if (!user) return undefined;
      const owned = tx.select({ sid: sessions.sid }).from(sessions).where(eq(sessions.userId, user.id)).all();
      const match = owned.find((row) => sessionHandle(row.sid) === handle);
      if (!match) return false;
      tx.delete(sessions)
        .where(and(eq(sessions.sid, match.sid), eq(sessions.userId, user.id)))
        .run();
      recordAudit(
        tx,
        {
          action: 'user.update',
          actor: auditActor(actor),
          target: { id: user.id, name: displayName(user) },
          detail: 'session revoked',
          requestId,
        },
        now,
      );
      return true;
    },
    { behavior: 'immediate' },
  );
}
