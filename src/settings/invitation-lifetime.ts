import { recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { readSetting, writeSetting } from './console-settings.js';

/**
 * How many days the set-password link in a welcome mail (an invitation) works: long enough for
 * a new colleague who starts next week, chosen by a superuser on the mail settings page.
 */
export const INVITATION_DAYS = { default: 7, min: 1, max: 90 } as const;

const KEY = 'invitationDays';

export function readInvitationDays(db: Queryable): number {
  const days = Number(readSetting(db, KEY));
  return Number.isInteger(days) && days >= INVITATION_DAYS.min && days <= INVITATION_DAYS.max
    ? days
    : INVITATION_DAYS.default;
}

/** Saves the lifetime, with an audit entry when it changed. */
export function saveInvitationDays(
  db: Db,
  days: number,
  by: { id: number; name: string; requestId?: string },
  now = new Date(),
): void {
  db.transaction(
    (tx) => {
      const before = readInvitationDays(tx);
      writeSetting(tx, KEY, days, by.id, now);
      if (before === days) return;
      recordAudit(
        tx,
        {
          action: 'settings.mail',
          actor: { id: by.id, name: by.name },
          changes: { invitationDays: [before, days] },
          requestId: by.requestId,
        },
        now,
      );
    },
    { behavior: 'immediate' },
  );
}

export const invitationLifetimeMs = (db: Queryable) => readInvitationDays(db) * 86_400_000;
