import type { Session } from 'fastify';
import { eq, lte } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { sessions } from '../db/schema.js';
import { prepared } from '../db/statements.js';

type Callback = (err?: unknown) => void;

export interface SessionLifetime {
  idleMs: number;
  maxMs: number;
}

/**
 * Keeps sessions in SQLite so they survive restarts and can be revoked: deleting a user's rows
 * signs that user out everywhere at once. Expired rows are never returned, and are purged.
 */
export class SqliteSessionStore {
  constructor(
    private readonly db: Db,
    private readonly lifetime: SessionLifetime,
  ) {}

  /** When the stored session stops being valid: idle timeout, capped by the absolute timeout. */
  expiresAt(session: Partial<Session>): Date {
    const now = Date.now();
    const idleEnd = (session.lastSeenAt ?? now) + this.lifetime.idleMs;
    const absoluteEnd = (session.createdAt ?? now) + this.lifetime.maxMs;
    return new Date(Math.min(idleEnd, absoluteEnd));
  }

  set(sid: string, session: Session, callback: Callback): void {
    const row = {
      sid,
      // Portal sessions are owned too, so ending a user's sessions signs them out of the portal.
      userId: session.userId ?? session.accountId ?? null,
      data: JSON.stringify(session),
      expiresAt: this.expiresAt(session),
    };
    this.run(callback, () =>
      this.db.insert(sessions).values(row).onConflictDoUpdate({ target: sessions.sid, set: row }).run(),
    );
  }

  get(sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    try {
      const row = prepared(this.db, 'select data from sessions where sid = ? and expires_at > ?').get(
        sid,
        Date.now(),
      ) as { data: string } | undefined;
      callback(null, row ? (JSON.parse(row.data) as Session) : null);
    } catch (err) {
      callback(err);
    }
  }

  destroy(sid: string, callback: Callback): void {
    this.run(callback, () => this.db.delete(sessions).where(eq(sessions.sid, sid)).run());
  }

  private run(callback: Callback, work: () => unknown): void {
    try {
      work();
      callback();
    } catch (err) {
      callback(err);
    }
  }
}

/** Ends every session of a user (deactivated, blocked, deleted, password reset). */
export function endSessionsOf(db: Queryable, userId: number): number {
  return db.delete(sessions).where(eq(sessions.userId, userId)).run().changes;
}

export function purgeExpiredSessions(db: Db, now = new Date()): number {
  return db.delete(sessions).where(lte(sessions.expiresAt, now)).run().changes;
}
