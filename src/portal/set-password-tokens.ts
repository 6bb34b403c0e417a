import { and, eq, isNull, ne } from 'drizzle-orm';
import { createHash, randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/record.js';
import { hashPassword } from '../auth/passwords.js';
import { storeOwnPassword } from './account.js';
import type { Db, Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { passwordTokens, sessions, type User, users } from '../db/schema.js';
import { displayName } from '../users/derived-fields.js';

export const SET_PASSWORD_PAGE = '/set-password';

/** Long enough to reach someone over a weekend, short enough that a forgotten link dies. */
export const LINK_LIFETIME_MS = 72 * 3_600_000;

/** 32 random bytes in base64url: anything else cannot be a token, so it costs no query. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A new token for the user, written with the caller's transaction. Earlier unused links stop
 * working, so only the one last handed out can be used, and the table never holds more than
 * one live token per user. Prepared statements: a bulk reset issues one per user.
 */
export function issueToken(
  tx: Queryable,
  userId: number,
  createdBy: number | null,
  now: Date,
  kind: { purpose: TokenPurpose; lifetimeMs: number } = { purpose: 'reset', lifetimeMs: LINK_LIFETIME_MS },
): { token: string; expiresAt: Date } {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + kind.lifetimeMs);
  prepared(tx, 'delete from password_tokens where user_id = ? and used_at is null').run(userId);
  prepared(
    tx,
    'insert into password_tokens (user_id, token_hash, created_at, expires_at, created_by, purpose) values (?, ?, ?, ?, ?, ?)',
  ).run(userId, hashToken(token), now.getTime(), expiresAt.getTime(), createdBy, kind.purpose);
  return { token, expiresAt };
}

/** A link to reset a password, or the invitation a welcome mail carries (it lives longer). */
export type TokenPurpose = 'reset' | 'invitation';

/** A new link for the user, to hand over by hand (the administrator sees it once). */
export function createSetPasswordToken(
  db: Db,
  admin: { id: number; name: string },
  user: User,
  options: { requestId?: string; now?: Date } = {},
): { token: string; expiresAt: Date } {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const issued = issueToken(tx, user.id, admin.id, now);
      recordAudit(
        tx,
        {
          action: 'user.update',
          actor: admin,
          target: { id: user.id, name: displayName(user) },
          detail: 'set-password link created',
          requestId: options.requestId,
        },
        now,
      );
      return issued;
    },
    { behavior: 'immediate' },
  );
}

export type TokenLookup =
  | { ok: true; tokenId: number; user: User }
  /** 'unknown' for a token never issued; 'spent' for one used, expired, replaced or whose user is gone. */
  | { ok: false; reason: 'unknown' | 'spent' };

export function findUsableToken(db: Queryable, token: string, now = new Date()): TokenLookup {
  if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'unknown' };
  const row = db
    .select({ token: passwordTokens, user: users })
    .from(passwordTokens)
    .innerJoin(users, eq(users.id, passwordTokens.userId))
    .where(eq(passwordTokens.tokenHash, hashToken(token)))
    .get();
  if (!row) return { ok: false, reason: 'unknown' };
  const usable = row.token.usedAt === null && row.token.expiresAt > now && row.user.deletedAt === null;
  return usable ? { ok: true, tokenId: row.token.id, user: row.user } : { ok: false, reason: 'spent' };
}

/**
 * Sets the password the link was made for, and spends the link. The token is checked again
 * inside the write transaction: of two submissions racing with one link, exactly one wins.
 * Every session of the user ends, since whoever held one may be the reason for the new password.
 * Returns the user, or undefined when the link was no longer usable.
 */
export async function setPasswordWithToken(
  db: Db,
  token: string,
  newPassword: string,
  options: { requestId?: string; now?: Date } = {},
): Promise<User | undefined> {
  const passwordHash = await hashPassword(newPassword);
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const found = findUsableToken(tx, token, now);
      if (!found.ok) return undefined;
      const { user, tokenId } = found;
      tx.update(passwordTokens).set({ usedAt: now }).where(eq(passwordTokens.id, tokenId)).run();
      tx.delete(passwordTokens)
        .where(and(eq(passwordTokens.userId, user.id), isNull(passwordTokens.usedAt), ne(passwordTokens.id, tokenId)))
        .run();
      storeOwnPassword(tx, user, passwordHash, { now, how: 'set through a link', requestId: options.requestId });
      tx.delete(sessions).where(eq(sessions.userId, user.id)).run();
      return user;
    },
    { behavior: 'immediate' },
  );
}
