import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { readSetting, writeSetting } from '../settings/console-settings.js';

/**
 * Whether inactive and blocked users give their licence seats back to the pool. Off by default:
 * they keep their seats, so switching someone off for a while never lets their seat go to
 * somebody else, and switching them on again can never be refused for want of one. This is
 * also how named-user licences are usually counted: by whom a licence is assigned to.
 */
const KEY = 'licences.inactiveRelease';

export function inactiveRelease(db: Queryable): boolean {
  return readSetting(db, KEY) === true;
}

export function saveInactiveRelease(tx: Queryable, release: boolean, actorId: number, now: Date): void {
  writeSetting(tx, KEY, release, actorId, now);
}

/**
 * Whether a user (aliased `u`, or with the given status and blocked expressions) holds the seats of the
 * licences they are given: always, or only while active and not blocked.
 */
export function countsSql(release: boolean, status = sql`u.status`, blocked = sql`u.blocked`) {
  return release ? sql`(${status} = 'active' and ${blocked} = 0)` : sql`1`;
}
