import { isNull } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { adminPreferences } from '../db/schema.js';
import { prepared } from '../db/statements.js';
import { type DateWords, dateWords, isTimeZone } from '../dates.js';

/** The zone an administrator chose or their browser reported; null while neither happened. */
export function storedTimeZone(db: Queryable, adminId: number): string | null {
  // Read several times a request (the page, its dates, its filters): a statement prepared once.
  const row = prepared(db, 'select time_zone as timeZone from admin_preferences where user_id = ?').get(adminId) as
    { timeZone: string | null } | undefined;
  // A zone the runtime no longer knows (renamed in a newer time zone database) counts as none.
  return isTimeZone(row?.timeZone) ? row.timeZone : null;
}

/** How dates read for this administrator (UTC for nobody, as on the sign-in page). */
export function datesFor(db: Queryable, adminId: number | undefined): DateWords {
  return dateWords(adminId === undefined ? null : storedTimeZone(db, adminId));
}

/** Saves the administrator's choice; callers have checked it with isTimeZone. */
export function saveTimeZone(db: Queryable, adminId: number, zone: string): void {
  db.insert(adminPreferences)
    .values({ userId: adminId, timeZone: zone })
    .onConflictDoUpdate({ target: adminPreferences.userId, set: { timeZone: zone } })
    .run();
}

/**
 * Takes the zone the browser reports, only while the administrator has none: their own choice
 * always wins, and a browser in another country later does not change it.
 */
export function adoptBrowserTimeZone(db: Queryable, adminId: number, zone: string): boolean {
  const result = db
    .insert(adminPreferences)
    .values({ userId: adminId, timeZone: zone })
    .onConflictDoUpdate({
      target: adminPreferences.userId,
      set: { timeZone: zone },
      setWhere: isNull(adminPreferences.timeZone),
    })
    .run();
  return result.changes > 0;
}
