import { and, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { signinFailures, users } from '../db/schema.js';

/**
 * Failed sign-ins pause further attempts, never the account itself: the limit is per account
 * AND client address, so a stranger guessing from elsewhere cannot keep the owner out, with a
 * higher limit per account over all addresses against guessing spread over many machines. The
 * console and the portal count apart, so failures at the portal never pause the console.
 */
export interface ThrottlePolicy {
  /** Failures from one address within the window that pause sign-in from that address. */
  perAddress: number;
  /** Failures from all addresses together within the window that pause sign-in from anywhere. */
  perAccount: number;
  windowMs: number;
}

export interface ThrottleKey {
  userId: number;
  /** The console's sign-in, the portal's, or the second step of either (see two-step/second-step.ts). */
  audience: 'admin' | 'account' | 'two-step';
  address: string;
}

/** Writes one audit entry with the given detail, inside the transaction that counts the failure. */
export type AuditFailure = (tx: Queryable, detail: string) => void;

function openWindows(db: Queryable, policy: ThrottlePolicy, key: ThrottleKey, now: Date) {
  return db
    .select({ address: signinFailures.address, failures: signinFailures.failures, at: signinFailures.at })
    .from(signinFailures)
    .where(
      and(
        eq(signinFailures.userId, key.userId),
        eq(signinFailures.audience, key.audience),
        gt(signinFailures.at, new Date(now.getTime() - policy.windowMs)),
      ),
    )
    .all();
}

/** Whether sign-in to this account, on this page, from this address is paused now. */
export function isPaused(db: Queryable, policy: ThrottlePolicy, key: ThrottleKey, now: Date): boolean {
  const windows = openWindows(db, policy, key, now);
  const fromAddress = windows.find((w) => w.address === key.address)?.failures ?? 0;
  const total = windows.reduce((sum, w) => sum + w.failures, 0);
  return fromAddress >= policy.perAddress || total >= policy.perAccount;
}

/**
 * Counts one failure, and audits it without letting a flood grow the log. The audit log is
 * append-only, so an entry cannot be updated with a running count; instead the count lives in
 * the failure's window row, and the log gets at most three entries per account, page, address
 * and window: when the window opens (the first failure, and why), when that address is paused,
 * and when the account is paused for every address. While paused, attempts are refused without
 * being counted or logged, so neither the table nor the log grows any further.
 */
export function countFailure(
  db: Queryable,
  policy: ThrottlePolicy,
  key: ThrottleKey,
  now: Date,
  reason: string,
  audit: AuditFailure,
): void {
  const windowStart = new Date(now.getTime() - policy.windowMs);
  const minutes = Math.round(policy.windowMs / 60_000);
  db.transaction((tx) => {
    tx.delete(signinFailures)
      .where(and(eq(signinFailures.userId, key.userId), lte(signinFailures.at, windowStart)))
      .run();
    const row = tx
      .insert(signinFailures)
      .values({ ...key, at: now, failures: 1 })
      .onConflictDoUpdate({
        target: [signinFailures.userId, signinFailures.audience, signinFailures.address],
        set: { failures: sql`${signinFailures.failures} + 1` },
      })
      .returning({ failures: signinFailures.failures, at: signinFailures.at })
      .get();
    tx.update(users)
      .set({ failedSigninCount: sql`${users.failedSigninCount} + 1` })
      .where(eq(users.id, key.userId))
      .run();

    if (row.failures === 1) audit(tx, `${reason}, from ${key.address}`);
    if (row.failures === policy.perAddress) {
      const until = new Date(row.at.getTime() + policy.windowMs).toISOString();
      audit(
        tx,
        `${row.failures} failed sign-ins from ${key.address} within ${minutes} minutes: paused from there until ${until}`,
      );
    }
    const windows = openWindows(tx, policy, key, now);
    const total = windows.reduce((sum, w) => sum + w.failures, 0);
    if (total === policy.perAccount) {
      // A managed user's account shows as locked on its page, where Unlock ends the pause. An
      // administrator's is never locked as a whole: the portal must not lock the console.
      if (key.audience === 'account') {
        tx.update(users)
          .set({ lockedUntil: new Date(now.getTime() + policy.windowMs) })
          .where(and(eq(users.id, key.userId), isNull(users.adminRole)))
          .run();
      }
      audit(
        tx,
        `${total} failed sign-ins from ${windows.length} addresses within ${minutes} minutes: paused from every address for up to ${minutes} minutes`,
      );
    }
  });
}

/** A successful sign-in forgets the failures from its address on its page. */
export function clearFailures(db: Queryable, key: ThrottleKey): void {
  db.delete(signinFailures)
    .where(
      and(
        eq(signinFailures.userId, key.userId),
        eq(signinFailures.audience, key.audience),
        eq(signinFailures.address, key.address),
      ),
    )
    .run();
}
