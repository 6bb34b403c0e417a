import { type SQL, sql } from 'drizzle-orm';
import type { Progress } from '../jobs/job.js';
import type { AuditAction } from '../audit/record.js';
import type { Db } from '../db/connection.js';
import { run } from '../db/statements.js';
import { type BulkOutcome, type BulkWork, AUDIT_NOTES, IN_CHANGED, runBulk, updateChanged } from './changed-set.js';
import type { Rule } from './refusals.js';
import { BULK_IDS, resolveSelection, type Selection } from './selection.js';
import type { Actor } from '../access/actor.js';
import { type Effect, protections } from '../access/policy.js';
import { bulkSeatGains, SEAT_TAKING_ACCESS } from '../licences/bulk-seats.js';
import { requireSeats } from '../licences/limits.js';

/**
 * Status and password actions for a whole selection (B5): the same changes, refusals and
 * session endings as the buttons on one user's page, applied in one transaction.
 */

interface AccessAction {
  label: string;
  /** The confirming button, before "N users". */
  verb: string;
  /** Past tense, for the summary: "1,204 users deactivated". */
  done: string;
  audit: AuditAction;
  /** Users who would change. */
  changes: (now: number) => SQL;
  /** The columns written, as `col = value` pieces. */
  set: (now: number) => SQL[];
  /** What the audit entry shows, read before the change: field → [before, after] expressions. */
  shown: Record<string, [string, string]>;
  /** Whether the users' sessions end (the account is taken away, or its password replaced). */
  endsSessions: boolean;
  /** What the action does to an account, for the protections every change obeys. */
  effect: Effect;
}

export const ACCESS_ACTIONS = {
  activate: {
    label: 'Activate',
    verb: 'Activate',
    done: 'activated',
    audit: 'user.status',
    changes: () => sql`u.status <> 'active'`,
    set: () => [sql`status = 'active'`],
    shown: { status: ['u.status', "'active'"] },
    effect: 'edit',
    endsSessions: false,
  },
  deactivate: {
    label: 'Deactivate',
    verb: 'Deactivate',
    done: 'deactivated',
    audit: 'user.status',
    changes: () => sql`u.status <> 'inactive'`,
    set: () => [sql`status = 'inactive'`],
    shown: { status: ['u.status', "'inactive'"] },
    effect: 'deactivate',
    endsSessions: true,
  },
  block: {
    label: 'Block',
    verb: 'Block',
    done: 'blocked',
    audit: 'user.block',
    changes: () => sql`u.blocked = 0`,
    set: () => [sql`blocked = 1`],
    shown: { blocked: ["json('false')", "json('true')"] },
    effect: 'block',
    endsSessions: true,
  },
  unblock: {
    label: 'Unblock',
    verb: 'Unblock',
    done: 'unblocked',
    audit: 'user.unblock',
    changes: () => sql`u.blocked = 1`,
    set: () => [sql`blocked = 0`],
    shown: { blocked: ["json('true')", "json('false')"] },
    effect: 'edit',
    endsSessions: false,
  },
  unlock: {
    label: 'Unlock',
    verb: 'Unlock',
    done: 'unlocked',
    audit: 'user.unlock',
    // Failures alone are worth clearing too: the next few would lock the account.
    changes: (now) => sql`(u.locked_until > ${now} or u.failed_signin_count > 0)`,
    set: () => [sql`locked_until = null`, sql`failed_signin_count = 0`],
    shown: {
      lockedUntil: ["strftime('%Y-%m-%dT%H:%M:%fZ', u.locked_until / 1000.0, 'unixepoch')", 'null'],
      failedSigninCount: ['u.failed_signin_count', '0'],
    },
    effect: 'edit',
    endsSessions: false,
  },
  expire: {
    label: 'Expire password',
    verb: 'Expire the passwords of',
    done: 'must change their password at next sign-in',
    audit: 'user.password',
    changes: (now) => sql`(u.password_expires_at is null or u.password_expires_at > ${now})`,
    set: (now) => [sql`password_expires_at = ${now}`],
    shown: { passwordState: ["'set'", "'expired'"] },
    effect: 'password',
    endsSessions: false,
  },
} as const satisfies Record<string, AccessAction>;

export type AccessActionName = keyof typeof ACCESS_ACTIONS;

export function isAccessAction(name: string): name is AccessActionName {
  return Object.hasOwn(ACCESS_ACTIONS, name);
}

export function accessRules(actor: Actor, action: AccessActionName): Rule[] {
  return protections(actor, ACCESS_ACTIONS[action].effect, BULK_IDS);
}

export function applyAction(
  db: Db,
  actor: Actor,
  selection: Selection,
  action: AccessActionName,
  requestId: string,
  progress: Progress,
  now = new Date(),
): BulkOutcome {
  const spec: AccessAction = ACCESS_ACTIONS[action];
  const at = now.getTime();
  const shown = Object.entries(spec.shown);
  const work: BulkWork = {
    select: (tx) => resolveSelection(tx, actor, selection),
    rules: accessRules(actor, action),
    changes: spec.changes(at),
    write: (tx) => {
      const seats = SEAT_TAKING_ACCESS[action];
      if (seats) requireSeats(tx, bulkSeatGains(tx, seats, sql`u.id in ${IN_CHANGED}`));
      // What the entries show is read before the change: the "before" half varies per user.
      const pairs = shown.map(([field, [before, after]]) => `'${field}', json_array(${before}, ${after})`);
      run(
        tx,
        sql`insert into ${sql.raw(AUDIT_NOTES)} (id, changes)
            select u.id, json_object(${sql.raw(pairs.join(', '))}) from bulk_changed c join users u on u.id = c.id`,
      );
      updateChanged(tx, actor, at, spec.set(at));
      if (action === 'unlock') run(tx, sql`delete from signin_failures where user_id in ${IN_CHANGED}`);
      if (spec.endsSessions) run(tx, sql`delete from sessions where user_id in ${IN_CHANGED}`);
    },
    audit: { action: spec.audit, detail: spec.endsSessions ? 'Bulk action; sessions ended' : 'Bulk action' },
  };
  return runBulk(db, actor, work, requestId, progress, now);
}
