import { and, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../db/connection.js';
import { users } from '../db/schema.js';
import { allRows, oneRow } from '../db/statements.js';
import { auditVisibleTo, visibleTo } from '../access/scope.js';
import type { Actor } from '../access/actor.js';
import { utcDay } from './activity.js';
import { UntilChanged } from '../db/change-stamp.js';
import { type KeptCounts, keptAddonCounts, keptCounts } from '../users/user-counts.js';

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

/** What a scope's figures depend on: its lists, and whether the administrator may view users at all. */
const scopeKey = (actor: Actor) => JSON.stringify([actor.scope, actor.permissions.has('view')]);

/** Counted in one pass over the users of a scope, kept until the data changes. */
const keptByScope = new UntilChanged<KeptCounts>(100);

/**
 * The users by status and licence in the actor's scope, a lock aside. The whole organisation's
 * are kept by triggers (users/user-counts.ts); a scope's are one pass over its users, kept until
 * the data changes, so after any write the next read is exact.
 */
function countsWithoutLocks(db: Queryable, actor: Actor): KeptCounts {
  if (actor.scope === 'everyone') return keptCounts(db);
  return keptByScope.get(db, scopeKey(actor), () => {
    const row = oneRow<Record<keyof KeptCounts, number | null>>(
      db,
      sql`select count(*) as total,
            sum(u.status = 'active' and u.blocked = 0) as active,
            sum(u.status = 'inactive') as inactive,
            sum(u.blocked) as blocked,
            sum(u.must_change_password) as mustChangePassword,
            sum(u.last_signin_at is null) as neverSignedIn,
            sum(u.licence_type = 'full') as "full",
            sum(u.licence_type = 'viewer') as viewer,
            sum(u.licence_type = 'full' and u.status = 'active' and u.blocked = 0) as fullHeld,
            sum(u.licence_type = 'viewer' and u.status = 'active' and u.blocked = 0) as viewerHeld
          from users u where ${visibleTo(actor, u)}`,
    );
    const counts = {} as KeptCounts;
    for (const [key, value] of Object.entries(row ?? {})) counts[key as keyof KeptCounts] = value ?? 0;
    return counts;
  });
}

/**
 * Users locked now in the actor's scope, and how many of them would otherwise sign in. A lock
 * runs out with the clock, so no trigger can keep this: it is read each time from users_locked,
 * which holds only the users ever locked and carries what the count asks.
 */
function lockedNow(db: Queryable, actor: Actor, now: Date): { locked: number; keptOut: number } {
  const row = oneRow<{ locked: number; keptOut: number | null }>(
    db,
    sql`select count(*) as locked, sum(u.status = 'active' and u.blocked = 0) as keptOut
        from users u indexed by users_locked
        where u.locked_until is not null and u.deleted_at is null and u.locked_until > ${now.getTime()}
          and ${visibleTo(actor, u)}`,
  );
  return { locked: row?.locked ?? 0, keptOut: row?.keptOut ?? 0 };
}

/** The users by status and licence in the actor's scope, as they are at `now`. */
export function statusCounts(db: Queryable, actor: Actor, now: Date): StatusCounts {
  const kept = countsWithoutLocks(db, actor);
  const { locked, keptOut } = lockedNow(db, actor, now);
  return {
    total: kept.total,
    active: kept.active - keptOut,
    inactive: kept.inactive,
    blocked: kept.blocked,
    locked,
    mustChangePassword: kept.mustChangePassword,
    neverSignedIn: kept.neverSignedIn,
    full: kept.full,
    viewer: kept.viewer,
  };
}

const addonsByScope = new UntilChanged<Map<number, number>>(100);

/** How many users in the actor's scope hold each add-on, by add-on id: kept like the statuses. */
export function addonUse(db: Queryable, actor: Actor): Map<number, number> {
  if (actor.scope === 'everyone') {
    return new Map([...keptAddonCounts(db)].map(([id, counts]) => [id, counts.holders]));
  }
  return addonsByScope.get(db, scopeKey(actor), () => {
    const rows = allRows<{ id: number; n: number }>(
      db,
      sql`select m.ref_id as id, count(*) as n from user_addons m join users u on u.id = m.user_id
          where ${visibleTo(actor, u)} group by m.ref_id`,
    );
    return new Map(rows.map((r) => [r.id, r.n]));
  });
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

/**
 * Users in the actor's scope created on each of the given days, each a day in the
 * administrator's zone from its start (`starts`, ascending) to the next one's, the last ending at
 * `end`: the same days the list's "Created on" filter reads, so a bar and its list agree.
 * Only live users: the users_created index holds those.
 */
export function createdPerDay(db: Queryable, actor: Actor, starts: number[], end: number): number[] {
  return keptDays.get(db, JSON.stringify(['created', scopeKey(actor), starts, end]), () =>
    countCreatedPerDay(db, actor, starts, end),
  ) as number[];
}

/**
 * The charts' counts read a day's rows each (a busy day, an import or a bulk delete, is a
 * hundred thousand), so they are kept per scope and days until the data changes.
 */
const keptDays = new UntilChanged<unknown>(100);

function countCreatedPerDay(db: Queryable, actor: Actor, starts: number[], end: number): number[] {
  const bounds = [...starts.slice(1), end];
  const bucket = sql.join(
    bounds.map((bound, i) => sql`when u.created_at < ${bound} then ${i}`),
    sql` `,
  );
  const rows = allRows<{ i: number; n: number }>(
    db,
    sql`select case ${bucket} end as i, count(*) as n from users u
        where ${visibleTo(actor, u)} and u.created_at >= ${starts[0]} and u.created_at < ${end} group by i`,
  );
  const counts = starts.map(() => 0);
  for (const row of rows) counts[row.i] = row.n;
  return counts;
}

/**
 * Users moved to the trash on each day since `from`, as the audit log records it (one entry per
 * user, also in bulk), so users purged since are still counted. Scoped like the audit log.
 */
export function deletedPerDay(db: Queryable, actor: Actor, from: Date): DayCounts {
  const kept = keptDays.get(db, JSON.stringify(['deleted', scopeKey(actor), from.getTime()]), () => [
    ...countDeletedPerDay(db, actor, from),
  ]) as [string, number][];
  return new Map(kept);
}

function countDeletedPerDay(db: Queryable, actor: Actor, from: Date): DayCounts {
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
