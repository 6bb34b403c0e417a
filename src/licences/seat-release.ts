import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { settings } from '../db/schema.js';

/**
 * Whether inactive and blocked users give their licence seats back to the pool. Off by default:
 * they keep their seats, so switching someone off for a while never lets their seat go to
 * somebody else, and switching them on again can never be refused for want of one. This is
 * also how named-user licences are usually counted: by whom a licence is assigned to.
 */
const KEY = 'licences.inactiveRelease';

export function inactiveRelease(db: Queryable): boolean {
  const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, KEY)).get();
  return row?.value === true;
}

export function saveInactiveRelease(tx: Queryable, release: boolean, actorId: number, now: Date): void {
  tx.insert(settings)
    .values({ key: KEY, value: release, updatedAt: now, updatedBy: actorId })
    .onConflictDoUpdate({ target: settings.key, set: { value: release, updatedAt: now, updatedBy: actorId } })
    .run();
}

/**
 * Whether a user (aliased `u`, or with the given status and blocked expressions) holds the seats of the
 * licences they are given: always, or only while active and not blocked.
 */
export function countsSql(release: boolean, status = sql`u.status`, blocked = sql`u.blocked`) {
  return release ? sql`(${status} = 'active' and ${blocked} = 0)` : sql`1`;
}
