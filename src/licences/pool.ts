import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { addonSeats, licenceSeats } from '../db/schema.js';
import { referenceLists } from '../reference/reference-lists.js';

/**
 * The licence pool: how many seats of each licence the organisation holds. A seat is a full or
 * viewer licence, or one add-on (CRM, Rebates, …); a seat with no limit set is unlimited.
 */
export type SeatKey = 'full' | 'viewer' | `addon:${number}`;
export const LICENCE_SEATS = ['full', 'viewer'] as const;
export const addonSeat = (id: number): SeatKey => `addon:${id}`;
export const addonIdOf = (key: SeatKey): number | undefined =>
  key.startsWith('addon:') ? Number(key.slice(6)) : undefined;

export interface Seat {
  key: SeatKey;
  label: string;
  /** Undefined: unlimited. */
  limit?: number;
}

/** Every seat in the order pages show them: full, viewer, then the add-ons by name. */
export function readPool(db: Queryable): Seat[] {
  const limits = new Map<SeatKey, number>();
  for (const row of db.select().from(licenceSeats).all()) limits.set(row.licenceType, row.seats);
  for (const row of db.select().from(addonSeats).all()) limits.set(addonSeat(row.addonId), row.seats);
  const seats: Seat[] = [
    { key: 'full', label: 'Full' },
    { key: 'viewer', label: 'Viewer' },
    ...referenceLists(db).addons.options.map((a) => ({ key: addonSeat(a.id), label: a.name })),
  ];
  return seats.map((seat) => ({ ...seat, limit: limits.get(seat.key) }));
}

/** Writes the limits of every seat given (undefined: unlimited, so its row goes). */
export function writePool(tx: Queryable, limits: Map<SeatKey, number | undefined>): void {
  for (const [key, limit] of limits) {
    const addonId = addonIdOf(key);
    if (addonId === undefined) {
      if (limit === undefined) tx.run(sql`delete from licence_seats where licence_type = ${key}`);
      else
        tx.run(
          sql`insert into licence_seats (licence_type, seats) values (${key}, ${limit})
              on conflict (licence_type) do update set seats = excluded.seats`,
        );
    } else if (limit === undefined) tx.run(sql`delete from addon_seats where addon_id = ${addonId}`);
    else
      tx.run(
        sql`insert into addon_seats (addon_id, seats) values (${addonId}, ${limit})
            on conflict (addon_id) do update set seats = excluded.seats`,
      );
  }
}
