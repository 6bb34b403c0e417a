import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { oneRow } from '../db/statements.js';
import type { LICENCE_TYPES, USER_STATUSES } from '../db/schema.js';
import { addonIdOf, addonSeat, LICENCE_SEATS, readPool, type SeatKey } from './pool.js';
import type { SeatGains } from './limits.js';
import { countsSql, inactiveRelease } from './seat-release.js';
import { referenceLists } from '../reference/reference-lists.js';

/**
 * What a bulk action changes that bears on seats: a bulk update's licence, status and add-ons
 * (which a bulk update's changes fit as they are), or unblocking.
 */
export interface SeatChanges {
  licence?: (typeof LICENCE_TYPES)[number];
  status?: (typeof USER_STATUSES)[number];
  lists: { addons?: { mode: 'add' | 'remove' | 'replace'; ids: number[] } };
  unblock?: boolean;
}

/**
 * The bulk status actions that can take seats: when inactive and blocked users release theirs,
 * switching them on again takes them back.
 */
export const SEAT_TAKING_ACCESS: Partial<Record<string, SeatChanges>> = {
  activate: { lists: {}, status: 'active' },
  unblock: { lists: {}, unblock: true },
};

/**
 * The seats a bulk update (or status action) would take, worked out before anything is written: for each seat the
 * change could take more of, how many of the users in `set` (a condition over `u`) will hold it
 * afterwards less how many hold it now, in one pass over them.
 */
export function bulkSeatGains(db: Queryable, changes: SeatChanges, set: SQL): SeatGains {
  const release = inactiveRelease(db);
  const activating = release && (changes.status === 'active' || changes.unblock === true);
  const addons = changes.lists.addons;
  const keys: SeatKey[] = [];
  if (changes.licence || activating) keys.push(...LICENCE_SEATS);
  if (activating) keys.push(...referenceLists(db).addons.options.map((a) => addonSeat(a.id)));
  else if (addons && addons.mode !== 'remove') keys.push(...addons.ids.map(addonSeat));
  if (keys.length === 0) return new Map();

  const countsBefore = countsSql(release);
  const countsAfter = countsSql(
    release,
    changes.status ? sql`${changes.status}` : sql`u.status`,
    changes.unblock ? sql`0` : sql`u.blocked`,
  );
  const licenceAfter = changes.licence ? sql`${changes.licence}` : sql`u.licence_type`;
  const differences = keys.map((key) => {
    const addonId = addonIdOf(key);
    if (addonId === undefined) {
      return sql`sum((${licenceAfter} = ${key} and ${countsAfter}) - (u.licence_type = ${key} and ${countsBefore}))`;
    }
    const heldNow = sql`exists (select 1 from user_addons m where m.user_id = u.id and m.ref_id = ${addonId})`;
    const listed = addons?.ids.includes(addonId) ?? false;
    const heldAfter = !addons
      ? heldNow
      : addons.mode === 'replace'
        ? sql.raw(listed ? '1' : '0')
        : listed
          ? sql.raw(addons.mode === 'add' ? '1' : '0')
          : heldNow;
    return sql`sum((${heldAfter} and ${countsAfter}) - (${heldNow} and ${countsBefore}))`;
  });
  return sumsOver(db, keys, differences, set);
}

/** Each seat's sum over the users in `set`, in one pass over them. */
function sumsOver(db: Queryable, keys: SeatKey[], sums: SQL[], set: SQL): SeatGains {
  const row = oneRow<{ gains: string }>(
    db,
    sql`select json_array(${sql.join(sums, sql`, `)}) as gains from users u where ${set}`,
  );
  const gains = JSON.parse(row!.gains) as (number | null)[];
  return new Map(keys.map((key, i) => [key, gains[i] ?? 0]));
}

/**
 * The seats users in the trash (a condition over `u`) take back when restored: in the trash they
 * hold none, restored they hold what they held before, as the release setting counts it. Only
 * seats with a limit are counted: with none set, a restore of any size reads nothing more.
 */
export function restoreSeatGains(db: Queryable, set: SQL): SeatGains {
  const keys = readPool(db)
    .filter((seat) => seat.limit !== undefined)
    .map((seat) => seat.key);
  if (keys.length === 0) return new Map();
  const counts = countsSql(inactiveRelease(db));
  const sums = keys.map((key) => {
    const addonId = addonIdOf(key);
    const holds =
      addonId === undefined
        ? sql`u.licence_type = ${key}`
        : sql`exists (select 1 from user_addons m where m.user_id = u.id and m.ref_id = ${addonId})`;
    return sql`sum(${holds} and ${counts})`;
  });
  return sumsOver(db, keys, sums, set);
}
