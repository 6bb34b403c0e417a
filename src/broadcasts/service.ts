import type { Actor } from '../access/actor.js';
import { auditActor, recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { describeAudience } from './audience.js';
import type { BroadcastInput } from './broadcast-form.js';
import { categoryLabel } from './categories.js';
import { type Broadcast, cancelScheduled, insertBroadcast, updateScheduled } from './repository.js';

/**
 * Creating, changing and cancelling broadcasts: each write and its audit entry in one
 * transaction. Sending is sending.ts's business. A change or cancellation names the version
 * the administrator saw, so it never overrides another administrator's change, nor a
 * broadcast that has started going out.
 */

interface Options {
  requestId?: string;
  now?: Date;
}

/** A broadcast's fields as the audit log reads them: labels and words, the time as an instant. */
function auditFields(
  db: Queryable,
  b: Pick<Broadcast, 'subject' | 'body' | 'category' | 'audience' | 'sendAt'>,
  actor: Actor,
) {
  return {
    subject: b.subject,
    message: b.body,
    category: categoryLabel(b.category),
    recipients: describeAudience(db, b.audience, actor),
    sendAt: b.sendAt.toISOString(),
  };
}

const quoted = (subject: string) => `“${subject}”`;

export function createBroadcast(db: Db, actor: Actor, input: BroadcastInput, options: Options = {}): Broadcast {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const created = insertBroadcast(tx, input, actor.id, now);
      const fields = auditFields(tx, created, actor);
      recordAudit(
        tx,
        {
          action: 'broadcast.create',
          actor: auditActor(actor),
          detail: quoted(created.subject),
          changes: Object.fromEntries(
            Object.entries(fields).map(([key, value]): [string, [unknown, unknown]] => [key, [null, value]]),
          ),
          requestId: options.requestId,
        },
        now,
      );
      return created;
    },
    { behavior: 'immediate' },
  );
}

/** The change, or undefined when the broadcast is no longer waiting at that version. */
export function changeBroadcast(
  db: Db,
  actor: Actor,
  before: Broadcast,
  version: number,
  input: BroadcastInput,
  options: Options = {},
): Broadcast | undefined {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const after = updateScheduled(tx, before.id, version, input, now);
      if (!after) return undefined;
      const was = auditFields(tx, before, actor);
      const is = auditFields(tx, after, actor);
      const changes = Object.fromEntries(
        (Object.keys(is) as (keyof typeof is)[])
          .filter((key) => was[key] !== is[key])
          .map((key): [string, [unknown, unknown]] => [key, [was[key], is[key]]]),
      );
      recordAudit(
        tx,
        {
          action: 'broadcast.update',
          actor: auditActor(actor),
          detail: quoted(after.subject),
          changes,
          requestId: options.requestId,
        },
        now,
      );
      return after;
    },
    { behavior: 'immediate' },
  );
}

/** The cancellation, or undefined when the broadcast is no longer waiting at that version. */
export function cancelBroadcast(
  db: Db,
  actor: Actor,
  id: number,
  version: number,
  options: Options = {},
): Broadcast | undefined {
  const now = options.now ?? new Date();
  return db.transaction(
    (tx) => {
      const cancelled = cancelScheduled(tx, id, version, now);
      if (!cancelled) return undefined;
      recordAudit(
        tx,
        {
          action: 'broadcast.cancel',
          actor: auditActor(actor),
          detail: quoted(cancelled.subject),
          changes: { status: ['Scheduled', 'Cancelled'], sendAt: [cancelled.sendAt.toISOString(), null] },
          requestId: options.requestId,
        },
        now,
      );
      return cancelled;
    },
    { behavior: 'immediate' },
  );
}
