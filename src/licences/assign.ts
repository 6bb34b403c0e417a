import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { LICENCE_TYPES, users } from '../db/schema.js';
import type { Actor } from '../access/actor.js';
import { visibleTo } from '../access/scope.js';
import { auditActor, recordAudit } from '../audit/record.js';
import { displayName, refreshDerivedFields } from '../users/derived-fields.js';
import { diff, snapshot } from '../user/user-writes.js';
import { gainsOf, holdingOf, requireSeats } from './limits.js';

/** One user's licences as the licence view sets them. */
export interface LicenceChange {
  licenceType: (typeof LICENCE_TYPES)[number];
  addonIds: number[];
}

/** The row changed since the page was shown (or left the actor's reach): nothing was written. */
export class StaleRowError extends Error {}

/**
 * Sets one user's licence type and add-ons, in one transaction that holds the write lock from
 * its start: the seats are counted there, so two administrators cannot both give the last one.
 * Returns the changes (none: the user already had these licences, and nothing was written).
 */
export function assignLicences(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
  change: LicenceChange,
  requestId: string,
): Record<string, [unknown, unknown]> {
  return db.transaction(
    (tx) => {
      const current = tx
        .select({ version: users.version })
        .from(users)
        .where(and(visibleTo(actor), eq(users.id, id)))
        .get();
      if (!current || current.version !== version) throw new StaleRowError();
      const held = holdingOf(tx, id)!;
      const sameAddons =
        held.addonIds.length === change.addonIds.length && change.addonIds.every((a) => held.addonIds.includes(a));
      if (held.licenceType === change.licenceType && sameAddons) return {};
      requireSeats(tx, gainsOf(tx, [{ before: held, after: { ...held, ...change } }]));

      const before = snapshot(tx, id)!;
      const now = new Date();
      tx.update(users)
        .set({
          licenceType: change.licenceType,
          updatedAt: now,
          updatedBy: actor.id,
          version: sql`${users.version} + 1`,
        })
        .where(eq(users.id, id))
        .run();
      tx.run(sql`delete from user_addons where user_id = ${id}`);
      for (const addonId of change.addonIds) {
        tx.run(sql`insert into user_addons (user_id, ref_id) values (${id}, ${addonId})`);
      }
      refreshDerivedFields(tx, [id], ['addonsSort']);
      const changes = diff(before, snapshot(tx, id)!);
      const user = tx.select().from(users).where(eq(users.id, id)).get()!;
      recordAudit(
        tx,
        {
          action: 'user.licence',
          actor: auditActor(actor),
          target: { id, name: displayName(user) },
          changes,
          requestId,
        },
        now,
      );
      return changes;
    },
    { behavior: 'immediate' },
  );
}
