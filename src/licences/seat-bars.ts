import type { Queryable } from '../db/connection.js';
import { seatUse } from './seat-use.js';

/** How close a seat is to its limit: a warning from 90 %, and at the limit. */
export type SeatLevel = 'unlimited' | 'ok' | 'near' | 'full' | 'over';
export const NEAR_LIMIT = 0.9;

export interface SeatBar {
  label: string;
  used: number;
  limit?: number;
  /** The bar's filled share, 0–100. */
  percent: number;
  level: SeatLevel;
  /** What the bar shows, in words beside it: "87 of 100 used, 13 free". */
  words: string;
  warning?: string;
}

const n = (value: number) => value.toLocaleString('en');

export function seatBar(label: string, used: number, limit: number | undefined): SeatBar {
  if (limit === undefined) return { label, used, percent: 0, level: 'unlimited', words: `${n(used)} used, unlimited` };
  const percent = limit === 0 ? 100 : Math.min(100, Math.round((used / limit) * 100));
  const words = `${n(used)} of ${n(limit)} used, ${n(Math.max(0, limit - used))} free`;
  if (used > limit)
    return {
      label,
      used,
      limit,
      percent,
      level: 'over',
      words,
      warning: `${n(used - limit)} over the limit: no more can be given.`,
    };
  if (used === limit)
    return { label, used, limit, percent, level: 'full', words, warning: 'All used: no more can be given.' };
  if (used >= limit * NEAR_LIMIT)
    return { label, used, limit, percent, level: 'near', words, warning: 'Nearly all used.' };
  return { label, used, limit, percent, level: 'ok', words };
}

/** Every seat's bar: full, viewer, then each add-on; counted once per change of the data. */
export function seatBars(db: Queryable): SeatBar[] {
  return seatUse(db).map((seat) => seatBar(seat.label, seat.used, seat.limit));
}
