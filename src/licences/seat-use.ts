import type { Queryable } from '../db/connection.js';
import { UntilChanged } from '../db/change-stamp.js';
import { keptAddonCounts, keptCounts } from '../users/user-counts.js';
import { addonIdOf, readPool, type Seat, type SeatKey } from './pool.js';
import { inactiveRelease } from './seat-release.js';

/**
 * How many seats of a licence are taken, across the whole organisation (the pool is the
 * organisation's, whoever looks). Users in the trash hold none; when inactive and blocked users
 * release their seats, they hold none either.
 *
 * Both are kept by triggers in the transaction of every write (users/user-counts.ts), so a count
 * is one row's lookup at any size, and exact inside a write's transaction, where the limits ask it.
 */
export function countSeat(db: Queryable, key: SeatKey, release = inactiveRelease(db)): number {
  const addonId = addonIdOf(key);
  if (addonId === undefined) {
    const counts = keptCounts(db);
    if (key === 'full') return release ? counts.fullHeld : counts.full;
    return release ? counts.viewerHeld : counts.viewer;
  }
  const addon = keptAddonCounts(db).get(addonId);
  return (release ? addon?.held : addon?.holders) ?? 0;
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
