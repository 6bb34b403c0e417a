import { and, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../db/connection.js';
import { users } from '../db/schema.js';
import { allRows, oneRow } from '../db/statements.js';
import { auditVisibleTo, visibleTo } from '../access/scope.js';
import type { Actor } from '../access/actor.js';
import { utcDay } from './activity.js';

/** Every overview query names the users table `u`, as the scope condition is written for it. */
const u = alias(users, 'u');

export interface StatusCounts {
  total: number;
  /** Can sign in now: active, not blocked, not locked (as canSignIn in auth/signin.ts). */
  active: number;
  inactive: number;
  blocked: number;
  locked: number;
  mustChangePassword: number;
  neverSignedIn: number;
  full: number;
  viewer: number;
}

/**
 * The users by status and licence, in the actor's scope, in one pass over the users: the
 * figures have no index in common, and one scan costs less than six.
 */
export function statusCounts(db: Queryable, actor: Actor, now: Date): StatusCounts {
  const at = now.getTime();
  const row = oneRow<Record<keyof StatusCounts, number | null>>(
    db,
    sql`select count(*) as total,
          sum(u.status = 'active' and u.blocked = 0 and coalesce(u.locked_until, 0) <= ${at}) as active,
          sum(u.status = 'inactive') as inactive,
          sum(u.blocked) as blocked,
          sum(coalesce(u.locked_until, 0) > ${at}) as locked,
          sum(u.must_change_password) as mustChangePassword,
          sum(u.last_signin_at is null) as neverSignedIn,
          sum(u.licence_type = 'full') as full,
          sum(u.licence_type = 'viewer') as viewer
        from users u where ${visibleTo(actor, u)}`,
  );
  const counts = {} as StatusCounts;
  for (const [key, value] of Object.entries(row ?? {})) counts[key as keyof StatusCounts] = value ?? 0;
  return counts;
}

/** How many users in the actor's scope hold each add-on, by add-on id. */
export function addonUse(db: Queryable, actor: Actor): Map<number, number> {
  const rows =
    actor.scope === 'everyone'
      ? // The whole organisation: every membership, less those of users in the trash (few, and indexed).
        allRows<{ id: number; n: number }>(
          db,
          sql`select ref_id as id, count(*) -
                (select count(*) from user_addons t join users d on d.id = t.user_id
                 where t.ref_id = m.ref_id and d.deleted_at is not null) as n
              from user_addons m group by ref_id`,
        )
      : allRows<{ id: number; n: number }>(
          db,
          sql`select m.ref_id as id, count(*) as n from user_addons m join users u on u.id = m.user_id
              where ${visibleTo(actor, u)} group by m.ref_id`,
        );
  return new Map(rows.map((r) => [r.id, r.n]));
}

export interface Pool {
  full: number | null;
  viewer: number | null;
  /** Seats per add-on id; an add-on without a row is unlimited. */
  addons: Map<number, number>;
}

/** The organisation's licence pool; no row means unlimited. */
export function licencePool(db: Queryable): Pool {
  const types = allRows<{ type: 'full' | 'viewer'; seats: number }>(
    db,
    sql`select licence_type as type, seats from licence_seats`,
  );
  const addons = allRows<{ id: number; seats: number }>(db, sql`select addon_id as id, seats from addon_seats`);
  const seatsOf = (type: 'full' | 'viewer') => types.find((t) => t.type === type)?.seats ?? null;
  return { full: seatsOf('full'), viewer: seatsOf('viewer'), addons: new Map(addons.map((a) => [a.id, a.seats])) };
}

export type DayCounts = Map<string, number>;

/** Users in the actor's scope created on each day since `from` (live users: the index holds those). */
export function createdPerDay(db: Queryable, actor: Actor, from: Date): DayCounts {
  const rows = allRows<{ day: string; n: number }>(
    db,
    sql`select strftime('%Y-%m-%d', u.created_at / 1000, 'unixepoch') as day, count(*) as n
        from users u where ${visibleTo(actor, u)} and u.created_at >= ${from.getTime()} group by day`,
  );
  return new Map(rows.map((r) => [r.day, r.n]));
}

/**
 * Users moved to the trash on each day since `from`, as the audit log records it (one entry per
 * user, also in bulk), so users purged since are still counted. Scoped like the audit log.
 */
export function deletedPerDay(db: Queryable, actor: Actor, from: Date): DayCounts {
  const scope = auditVisibleTo(actor, u);
  const join = scope ? sql`left join users u on u.id = audit_entries.target_user_id` : sql``;
  const rows = allRows<{ day: string; n: number }>(
    db,
    sql`select strftime('%Y-%m-%d', audit_entries.at / 1000, 'unixepoch') as day, count(*) as n
        from audit_entries ${join}
        where ${and(sql`audit_entries.action = 'user.delete'`, sql`audit_entries.at >= ${from.getTime()}`, scope)}
        group by day`,
  );
  return new Map(rows.map((r) => [r.day, r.n]));
}

/** Sign-ins on each day since `from`, console and portal together, from the daily counters. */
export function signinsPerDay(db: Queryable, from: Date): DayCounts {
  const rows = allRows<{ day: string; n: number }>(
    db,
    sql`select day, count as n from daily_activity where kind = 'signin' and day >= ${utcDay(from)}`,
  );
  return new Map(rows.map((r) => [r.day, r.n]));
}

export interface MailCounts {
  waiting: number;
  failed: number;
}

export function mailCounts(db: Queryable): MailCounts {
  const row = oneRow<{ waiting: number | null; failed: number | null }>(
    db,
    sql`select sum(status = 'queued') as waiting, sum(status = 'failed') as failed
        from mail_queue where status in ('queued', 'failed')`,
  );
  return { waiting: row?.waiting ?? 0, failed: row?.failed ?? 0 };
}

export interface RecentAction {
  id: number;
  at: number;
  actorName: string;
  action: string;
  targetUserId: number | null;
  targetName: string;
  detail: string;
}

/** Sign-ins are not actions on anyone: the latest entries leave them out. */
const NOT_ACTIONS = sql`audit_entries.action not in ('admin.signin', 'admin.signin_failed', 'account.signin_failed')`;

/** The system's own entries (the daily purge) name no actor. */
const BY_SOMEONE = sql`audit_entries.actor_id is not null`;

/** The latest administrator actions the actor may read in the audit log. */
export function latestActions(db: Queryable, actor: Actor, limit: number): RecentAction[] {
  const scope = auditVisibleTo(actor, u);
  const join = scope ? sql`left join users u on u.id = audit_entries.target_user_id` : sql``;
  return allRows<RecentAction>(
    db,
    sql`select audit_entries.id, audit_entries.at, audit_entries.actor_name as actorName, audit_entries.action,
          audit_entries.target_user_id as targetUserId, audit_entries.target_name as targetName, audit_entries.detail
        from audit_entries ${join}
        where ${and(NOT_ACTIONS, BY_SOMEONE, scope)}
        order by audit_entries.at desc, audit_entries.id desc limit ${limit}`,
  );
}
