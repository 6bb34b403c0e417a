import type { Queryable } from '../db/connection.js';
import { JobRefusedError } from '../jobs/refused.js';
import { prepared } from '../db/statements.js';
import { addonIdOf, addonSeat, readPool, type SeatKey } from './pool.js';
import { countSeat } from './seat-use.js';
import { inactiveRelease } from './seat-release.js';

/**
 * The one rule for every way a licence is given (New, Edit, Clone, the licence view, bulk
 * update, import): a change may not take more seats than are free. It is asked inside the
 * write's transaction, which starts with SQLite's write lock (`behavior: 'immediate'`), so two
 * administrators cannot both take the last seat: the second counts after the first commits.
 */

/** Seats a change takes (positive) or gives back (negative), by seat. */
export type SeatGains = Map<SeatKey, number>;

/** Refuses a change for want of seats; a job shows the message as its refusal. */
export class LicenceLimitError extends JobRefusedError {
  override name = 'LicenceLimitError';
  constructor(readonly shortfalls: Shortfall[]) {
    super(shortfallWords(shortfalls));
  }
}

export interface Shortfall {
  key: SeatKey;
  free: number;
  need: number;
  /** "CRM: 3 free, this would need 40." */
  words: string;
}

/** A refusal in words: "Not enough licences. CRM: 3 free, this would need 40."; undefined for none. */
export function shortfallWords(shortfalls: Shortfall[]): string {
  return shortfalls.length > 0 ? `Not enough licences. ${shortfalls.map((s) => s.words).join(' ')}` : '';
}

/** The seats a change would take beyond what is free, each in words; none: it may go ahead. */
export function seatShortfalls(db: Queryable, gains: SeatGains): Shortfall[] {
  if (![...gains.values()].some((n) => n > 0)) return [];
  const release = inactiveRelease(db);
  const shortfalls: Shortfall[] = [];
  // In the pool's order (full, viewer, then the add-ons by name), as the pages list them.
  for (const seat of readPool(db)) {
    const need = gains.get(seat.key) ?? 0;
    if (need <= 0 || seat.limit === undefined) continue;
    const free = Math.max(0, seat.limit - countSeat(db, seat.key, release));
    if (need > free) {
      const words = `${seat.label}: ${free.toLocaleString('en')} free, this would need ${need.toLocaleString('en')}.`;
      shortfalls.push({ key: seat.key, free, need, words });
    }
  }
  return shortfalls;
}

/** Throws LicenceLimitError when the change would take more seats than are free. */
export function requireSeats(db: Queryable, gains: SeatGains): void {
  const shortfalls = seatShortfalls(db, gains);
  if (shortfalls.length > 0) throw new LicenceLimitError(shortfalls);
}

/** What a user holds that can take a seat. */
export interface Holding {
  licenceType: string;
  status: string;
  blocked: boolean;
  addonIds: readonly number[];
}

/** The seats a user holds: none while inactive or blocked if those release their seats. */
export function seatsHeld(holding: Holding, release: boolean): SeatKey[] {
  if (release && (holding.status !== 'active' || holding.blocked)) return [];
  const seats: SeatKey[] = holding.addonIds.map(addonSeat);
  if (holding.licenceType === 'full' || holding.licenceType === 'viewer') seats.push(holding.licenceType);
  return seats;
}

/** The seats users take going from `before` (absent: new users) to `after`, added up. */
export function gainsOf(db: Queryable, changes: { before?: Holding; after: Holding }[]): SeatGains {
  const release = inactiveRelease(db);
  const gains: SeatGains = new Map();
  const add = (keys: SeatKey[], n: number) => {
    for (const key of new Set(keys)) gains.set(key, (gains.get(key) ?? 0) + n);
  };
  for (const { before, after } of changes) {
    add(seatsHeld(after, release), 1);
    if (before) add(seatsHeld(before, release), -1);
  }
  return gains;
}

/** A stored user's holding, as the change starts from; undefined when there is no such user. */
export function holdingOf(db: Queryable, id: number): Holding | undefined {
  const row = prepared(
    db,
    `select licence_type as licenceType, status, blocked,
       (select json_group_array(ref_id) from user_addons where user_id = users.id) as addonIds
     from users where id = ?`,
  ).get(id) as { licenceType: string; status: string; blocked: number; addonIds: string } | undefined;
  return row && { ...row, blocked: row.blocked === 1, addonIds: JSON.parse(row.addonIds) as number[] };
}

/** A refusal split by the form fields it concerns: the licence type, or the add-ons. */
export function shortfallErrors(error: LicenceLimitError): { licenceType?: string; addons?: string } {
  const words = (licence: boolean) =>
    error.shortfalls
      .filter((s) => (addonIdOf(s.key) === undefined) === licence)
      .map((s) => s.words)
      .join(' ');
  const licenceType = words(true);
  const addons = words(false);
  return {
    ...(licenceType && { licenceType: `Not enough licences. ${licenceType}` }),
    ...(addons && { addons: `Not enough add-on licences. ${addons}` }),
  };
}

/** A user form's values (New, Edit, Clone, import rows), as far as seats go. */
interface FormValues {
  licenceType: string;
  status: string;
  memberships: { addons: readonly number[] };
}

export const holdingOfValues = (values: FormValues, blocked = false): Holding => ({
  licenceType: values.licenceType,
  status: values.status,
  blocked,
  addonIds: values.memberships.addons,
});

/** The seats new users with these values take (a new user is never blocked). */
export const newUsersGains = (db: Queryable, values: FormValues[]): SeatGains =>
  gainsOf(
    db,
    values.map((v) => ({ after: holdingOfValues(v) })),
  );
