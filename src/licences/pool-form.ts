import type { Seat, SeatKey } from './pool.js';

/**
 * The licence pool form: one number per seat, left empty for unlimited, and the choice of
 * whether inactive and blocked users keep their seats. Field names are the seat keys with the
 * colon replaced (`seats-full`, `seats-addon-3`), so they are valid ids for labels.
 */
export const MAX_SEATS = 10_000_000;
export const fieldOf = (key: SeatKey) => `seats-${key.replace(':', '-')}`;

export interface PoolInput {
  /** Each seat's field as typed. */
  seats: Record<string, string>;
  release: boolean;
}

export interface PoolValues {
  limits: Map<SeatKey, number | undefined>;
  release: boolean;
}

export function poolInput(seats: Seat[], release: boolean): PoolInput {
  return {
    seats: Object.fromEntries(seats.map((s) => [fieldOf(s.key), s.limit === undefined ? '' : String(s.limit)])),
    release,
  };
}

export function readPoolForm(seats: Seat[], body: Record<string, unknown>): PoolInput {
  const text = (name: string) =>
    String([body[name] ?? ''].flat()[0] ?? '')
      .trim()
      .slice(0, 30);
  return {
    seats: Object.fromEntries(seats.map((s) => [fieldOf(s.key), text(fieldOf(s.key))])),
    release: text('release') === 'release',
  };
}

/** The values, or each field's problem in words. */
export function validatePoolForm(
  seats: Seat[],
  input: PoolInput,
): { values: PoolValues } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const limits = new Map<SeatKey, number | undefined>();
  for (const seat of seats) {
    const field = fieldOf(seat.key);
    const typed = input.seats[field]!.replace(/[\s,]/g, '');
    if (typed === '') {
      limits.set(seat.key, undefined);
    } else if (!/^\d{1,9}$/.test(typed) || Number(typed) > MAX_SEATS) {
      errors[field] =
        `${seat.label}: enter a whole number of seats from 0 to ${MAX_SEATS.toLocaleString('en')}, or leave it empty for unlimited.`;
    } else {
      limits.set(seat.key, Number(typed));
    }
  }
  return Object.keys(errors).length > 0 ? { errors } : { values: { limits, release: input.release } };
}
