import type { Db } from '../db/connection.js';
import { wallClock, zonedDayStart } from '../dates.js';
import { CAN_SIGN_IN } from '../list/filter-sql.js';
import { filterZone } from '../list/list-repository.js';
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
}

const usersLink = (params: QueryParams) => listUrl(parseListQuery(params));

/** The list of users for whom a yes/no field is yes. */
const yes = (field: string) => usersLink({ field, op: 'eq', value: 'yes' });

/**
 * The days of the created chart: the last thirty in the administrator's zone, as the list's
 * "Created on" filter reads a day, so each bar leads to a list of exactly its users.
 */
function createdDays(db: Db, actor: Actor, now: Date) {
  const zone = filterZone(db, actor);
  const today = Date.parse(`${wallClock(now, zone).day}T00:00:00Z`);
  const days = daysBetween(new Date(today - (CHART_DAYS - 1) * 86_400_000), new Date(today));
  const starts = days.map((day) => zonedDayStart(day, zone));
  const end = zonedDayStart(new Date(today + 86_400_000).toISOString().slice(0, 10), zone);
  return { days, starts, end };
}

/** The created chart, and the list of the users it counts: those created since its first day began. */
function createdFigures(db: Db, actor: Actor, now: Date): { chart: BarChart; href: string } {
  const { days, starts, end } = createdDays(db, actor, now);
  const counts = createdPerDay(db, actor, starts, end);
  const values = days.map((day, i) => ({
    day,
    value: counts[i]!,
    href: usersLink({ field: 'created', op: 'on', value: day, sort: '-created' }),
  }));
  return {
    chart: barChart(values, { one: 'user created', many: 'users created' }),
    href: usersLink({ field: 'created', op: 'after', value: new Date(starts[0]!).toISOString(), sort: '-created' }),
  };
}

function perDay(days: string[], counts: DayCounts) {
  return days.map((day) => ({ day, value: counts.get(day) ?? 0 }));
}

function licenceUse(label: string, used: number, seats: number | null, href: string): LicenceUse {
  const percent = seats === null ? null : seats === 0 ? 100 : Math.min(100, Math.round((used / seats) * 100));
  const level = percent === null ? 'ok' : used >= (seats ?? 0) ? 'full' : percent >= 90 ? 'warning' : 'ok';
  return { label, used, seats, href, percent, level };
}

/**
 * Reads every figure from the database, each time the page is asked for: the costly counts are
 * kept by triggers or per scope until the data changes (overview-repository.ts), and a lock is
 * counted from its own small index, so the figures are exact after any write and cost
 * milliseconds at a million users.
 */
export function readOverview(db: Db, actor: Actor, now = new Date()): Overview {
  const counts = statusCounts(db, actor, now);
  const pool = licencePool(db);
  const addons = addonUse(db, actor);
  const from = new Date(now.getTime() - (CHART_DAYS - 1) * 86_400_000);
  const days = daysBetween(from, now);
  const fromDay = new Date(`${days[0]}T00:00:00Z`);
  const superuser = isSuperuser(actor);
  const created = createdFigures(db, actor, now);
  return {
    total: { label: 'Users', value: counts.total, href: '/users', note: 'you administer' },
    statuses: [
      {
        label: 'Active',
        value: counts.active,
        href: usersLink({ status: CAN_SIGN_IN }),
        note: 'can sign in',
      },
      { label: 'Inactive', value: counts.inactive, href: usersLink({ status: 'inactive' }), note: 'cannot sign in' },
      { label: 'Blocked', value: counts.blocked, href: yes('blocked'), note: 'by an administrator' },
      { label: 'Locked', value: counts.locked, href: yes('locked'), note: 'after failed sign-ins' },
      {
        label: 'Must change password',
        value: counts.mustChangePassword,
        href: yes('mustChangePassword'),
        note: 'at their next sign-in',
      },
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
    created: created.chart,
    createdHref: created.href,
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

/** Bulk jobs queued or running now: a superuser sees everyone's, an administrator their own. */
export function runningJobs(board: JobBoard, actor: Actor): Job[] {
  return board.unfinished().filter((job) => isSuperuser(actor) || job.actorId === actor.id);
}
