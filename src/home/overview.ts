import type { Db } from '../db/connection.js';
import { changeStamp } from '../db/change-stamp.js';
import { clientOf } from '../db/statements.js';
import type { Job, JobBoard } from '../jobs/board.js';
import { listUrl, parseListQuery } from '../list/list-query.js';
import type { QueryParams } from '../query-params.js';
import { referenceLists } from '../reference/reference-lists.js';
import { AUDIT_ACTIONS } from '../audit/record.js';
import type { Actor } from '../access/actor.js';
import { isSuperuser } from '../access/policy.js';
import { type BarChart, barChart, daysBetween } from './chart.js';
import {
  addonUse,
  createdPerDay,
  type DayCounts,
  deletedPerDay,
  latestActions,
  licencePool,
  type MailCounts,
  mailCounts,
  type RecentAction,
  signinsPerDay,
  statusCounts,
} from './overview-repository.js';

/**
 * The Overview: the signed-in administrator's users at a glance, each figure leading to the
 * list that shows it. Everything is read within the administrator's scope.
 */

export const CHART_DAYS = 30;
const LATEST_ACTIONS = 8;

export interface Figure {
  label: string;
  value: number;
  /** The users list filtered to exactly these users; absent where the list has no such filter. */
  href?: string;
  note?: string;
}

export interface LicenceUse {
  label: string;
  used: number;
  /** Null: unlimited. */
  seats: number | null;
  href: string;
  /** Share of the pool in use, 0–100, for the bar; null when unlimited. */
  percent: number | null;
  level: 'ok' | 'warning' | 'full';
}

export interface Overview {
  total: Figure;
  statuses: Figure[];
  licences: LicenceUse[];
  created: BarChart;
  createdHref: string;
  deleted: BarChart;
  /** Sign-ins are counted for the whole organisation: shown to superusers only. */
  signins?: BarChart;
  mail?: MailCounts;
  latest: (RecentAction & { words: string })[];
  readAt: Date;
  /** Set when the figures shown were read before the latest change (see cachedOverview). */
  asOf?: Date;
}

const usersLink = (params: QueryParams) => listUrl(parseListQuery(params));

function perDay(days: string[], counts: DayCounts) {
  return days.map((day) => ({ day, value: counts.get(day) ?? 0 }));
}

function licenceUse(label: string, used: number, seats: number | null, href: string): LicenceUse {
  const percent = seats === null ? null : seats === 0 ? 100 : Math.min(100, Math.round((used / seats) * 100));
  const level = percent === null ? 'ok' : used >= (seats ?? 0) ? 'full' : percent >= 90 ? 'warning' : 'ok';
  return { label, used, seats, href, percent, level };
}

/** Reads every figure from the database; see cachedOverview for when this runs. */
export function readOverview(db: Db, actor: Actor, now = new Date()): Overview {
  const counts = statusCounts(db, actor, now);
  const pool = licencePool(db);
  const addons = addonUse(db, actor);
  const from = new Date(now.getTime() - (CHART_DAYS - 1) * 86_400_000);
  const days = daysBetween(from, now);
  const fromDay = new Date(`${days[0]}T00:00:00Z`);
  const superuser = isSuperuser(actor);
  return {
    total: { label: 'Users', value: counts.total, href: '/users', note: 'you administer' },
    statuses: [
      {
        label: 'Active',
        value: counts.active,
        href: usersLink({ status: 'active' }),
        note: 'can sign in',
      },
      { label: 'Inactive', value: counts.inactive, href: usersLink({ status: 'inactive' }), note: 'cannot sign in' },
      { label: 'Blocked', value: counts.blocked, note: 'by an administrator' },
      { label: 'Locked', value: counts.locked, note: 'after failed sign-ins' },
      { label: 'Must change password', value: counts.mustChangePassword, note: 'at their next sign-in' },
      {
        label: 'Never signed in',
        value: counts.neverSignedIn,
        href: usersLink({ field: 'lastSignin', op: 'empty' }),
        note: 'not once yet',
      },
    ],
    licences: [
      licenceUse('Full', counts.full, pool.full, usersLink({ licence: 'full' })),
      licenceUse('Viewer', counts.viewer, pool.viewer, usersLink({ licence: 'viewer' })),
      ...referenceLists(db).addons.options.map((addon) =>
        licenceUse(
          addon.name,
          addons.get(addon.id) ?? 0,
          pool.addons.get(addon.id) ?? null,
          usersLink({ field: 'addons', op: 'eq', value: addon.name }),
        ),
      ),
    ],
    created: barChart(perDay(days, createdPerDay(db, actor, fromDay)), { one: 'user created', many: 'users created' }),
    createdHref: usersLink({ field: 'created', op: 'after', value: days[0]!, sort: '-created' }),
    deleted: barChart(perDay(days, deletedPerDay(db, actor, fromDay)), { one: 'user deleted', many: 'users deleted' }),
    signins: superuser
      ? barChart(perDay(days, signinsPerDay(db, fromDay)), { one: 'sign-in', many: 'sign-ins' })
      : undefined,
    mail: superuser ? mailCounts(db) : undefined,
    latest: latestActions(db, actor, LATEST_ACTIONS).map((a) => ({
      ...a,
      words: AUDIT_ACTIONS[a.action as keyof typeof AUDIT_ACTIONS] ?? a.action,
    })),
    readAt: now,
  };
}

/**
 * At a million users the figures cost most of a second to read (the statuses have no index in
 * common, so they are one scan), while the page must answer in milliseconds. They are kept per
 * scope until the data changes, as the list's counts are (see db/change-stamp.ts). On a busy
 * system the data changes with every sign-in, so figures that were costly to read are kept for
 * a few seconds after a change, and the page says when they were read; cheap ones (any
 * organisation of a few thousand users) are always read afresh. Figures also expire on their
 * own after a minute, since one of them moves with the clock alone: a lock running out.
 */
const COSTLY_MS = 100;
const KEPT_AFTER_CHANGE_MS = 10_000;
const MAX_AGE_MS = 60_000;
const SCOPES_KEPT = 100;

interface Kept {
  stamp: string;
  overview: Overview;
  readAt: number;
  costMs: number;
}
/** Per connection, as UntilChanged keeps its values: a change stamp means something on its own connection only. */
const keptBy = new WeakMap<object, Map<string, Kept>>();

/** Figures depend on the scope; an administrator with a scope also sees the audit of their own actions. */
const scopeKey = (actor: Actor) =>
  actor.scope === 'everyone' ? 'everyone' : JSON.stringify([actor.id, actor.scope, [...actor.permissions]]);

/** `costlyMs` is how long a read must take for its figures to be kept past a change. */
export function cachedOverview(db: Db, actor: Actor, now = new Date(), costlyMs = COSTLY_MS): Overview {
  const key = scopeKey(actor);
  const stamp = changeStamp(db);
  const connection = clientOf(db);
  let kept = keptBy.get(connection);
  if (!kept) keptBy.set(connection, (kept = new Map()));
  const found = kept.get(key);
  const age = found ? now.getTime() - found.readAt : Infinity;
  if (found && age < MAX_AGE_MS) {
    if (found.stamp === stamp) return found.overview;
    if (found.costMs >= costlyMs && age < KEPT_AFTER_CHANGE_MS)
      return { ...found.overview, asOf: found.overview.readAt };
  }
  const started = performance.now();
  const overview = readOverview(db, actor, now);
  kept.delete(key);
  if (kept.size >= SCOPES_KEPT) kept.delete(kept.keys().next().value!);
  kept.set(key, { stamp, overview, readAt: now.getTime(), costMs: performance.now() - started });
  return overview;
}

/** Bulk jobs queued or running now: a superuser sees everyone's, an administrator their own. */
export function runningJobs(board: JobBoard, actor: Actor): Job[] {
  return board.unfinished().filter((job) => isSuperuser(actor) || job.actorId === actor.id);
}
