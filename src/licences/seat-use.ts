import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { UntilChanged } from '../db/change-stamp.js';
import { oneRow } from '../db/statements.js';
import { addonIdOf, readPool, type Seat, type SeatKey } from './pool.js';
import { countsSql, inactiveRelease } from './seat-release.js';

/**
 * How many seats of each licence are taken, across the whole organisation (the pool is the
 * organisation's, whoever looks). Users in the trash hold none.
 *
 * Each count walks an index, not the users table: a licence type's through users_licence
 * (licence type, status; users not in the trash), an add-on's through user_addons_ref, less the
 * few holders in the trash: tens of milliseconds at a million users, paid once per change of
 * the data for pages (see seatUse), and only for the seats a change takes for a write. Only when
 * inactive and blocked users release their seats does a count also read each holder's row
 * (there is no index on blocked), a few hundred milliseconds at a million.
 */
export function countSeat(db: Queryable, key: SeatKey, release = inactiveRelease(db)): number {
  const addonId = addonIdOf(key);
  const count = (query: ReturnType<typeof sql>) => oneRow<{ n: number }>(db, query)!.n;
  if (addonId === undefined) {
    return release
      ? count(sql`select count(*) as n from users u indexed by users_licence
          where u.licence_type = ${key} and u.status = 'active' and u.deleted_at is null and u.blocked = 0`)
      : count(sql`select count(*) as n from users u indexed by users_licence
          where u.licence_type = ${key} and u.deleted_at is null`);
  }
  if (release) {
    return count(sql`select count(*) as n from user_addons m join users u on u.id = m.user_id
      where m.ref_id = ${addonId} and u.deleted_at is null and ${countsSql(true)}`);
  }
  return (
    count(sql`select count(*) as n from user_addons where ref_id = ${addonId}`) -
    // From the few users in the trash to their add-on, never the other way round (cross join
    // keeps that order even before the statistics say how few they are).
    count(sql`select count(*) as n from users u indexed by users_trash
      cross join user_addons m on m.user_id = u.id and m.ref_id = ${addonId} where u.deleted_at is not null`)
  );
}

export interface SeatUse extends Seat {
  used: number;
}

const kept = new UntilChanged<SeatUse[]>(1);

/** Every seat with its limit and use, kept until the data changes, for pages to show. */
export function seatUse(db: Queryable): SeatUse[] {
  return kept.get(db, '', () => {
    const release = inactiveRelease(db);
    return readPool(db).map((seat) => ({ ...seat, used: countSeat(db, seat.key, release) }));
  });
}
