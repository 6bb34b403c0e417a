import type { Db } from '../db/connection.js';
import type { Actor } from '../access/actor.js';
import { auditActor, recordAudit } from '../audit/record.js';
import { readPool, writePool } from './pool.js';
import type { PoolValues } from './pool-form.js';
import { inactiveRelease, saveInactiveRelease } from './seat-release.js';

const limitWords = (limit: number | undefined) => (limit === undefined ? 'unlimited' : limit.toLocaleString('en'));
export const releaseWords = (release: boolean) =>
  release ? 'inactive and blocked users release their seats' : 'inactive and blocked users keep their seats';

/**
 * Saves the pool and the release choice in one transaction with an audit entry that says in
 * words what changed ("Full: unlimited → 100"). Returns those words; none: nothing changed.
 */
export function savePool(db: Db, actor: Actor, values: PoolValues, requestId: string): string[] {
  return db.transaction(
    (tx) => {
      const now = new Date();
      const changed: string[] = [];
      for (const seat of readPool(tx)) {
        const limit = values.limits.get(seat.key);
        if (values.limits.has(seat.key) && limit !== seat.limit) {
          changed.push(`${seat.label}: ${limitWords(seat.limit)} → ${limitWords(limit)}`);
        }
      }
      const wasRelease = inactiveRelease(tx);
      if (wasRelease !== values.release) changed.push(`${releaseWords(wasRelease)} → ${releaseWords(values.release)}`);
      if (changed.length === 0) return changed;
      writePool(tx, values.limits);
      saveInactiveRelease(tx, values.release, actor.id, now);
      recordAudit(
        tx,
        { action: 'licences.pool', actor: auditActor(actor), detail: changed.join('; '), requestId },
        now,
      );
      return changed;
    },
    { behavior: 'immediate' },
  );
}
