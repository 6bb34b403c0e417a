import { and, desc, eq, sql } from 'drizzle-orm';
import type { Actor } from '../access/actor.js';
import { isSuperuser } from '../access/policy.js';
import type { Queryable } from '../db/connection.js';
import { broadcasts } from '../db/schema.js';
import { allRows, prepared } from '../db/statements.js';
import { displayNameSql } from '../users/derived-fields.js';
import { type Audience, storedAudience } from './audience.js';
import type { BroadcastInput } from './broadcast-form.js';
import { type BroadcastCategory, categoryLabel, isBroadcastCategory } from './categories.js';

export type BroadcastRow = typeof broadcasts.$inferSelect;

/** A broadcast as pages read it: the audience parsed. */
export type Broadcast = Omit<BroadcastRow, 'audience'> & { audience: Audience };

const parsed = (row: BroadcastRow): Broadcast => ({ ...row, audience: storedAudience(row.audience) });

/**
 * Whose broadcasts an administrator sees: a superuser every one; anyone else their own, as a
 * broadcast says nothing about the users it reached that a scoped administrator may not know,
 * but its subject and audience are its sender's business.
 */
const visibleBroadcasts = (actor: Actor) => (isSuperuser(actor) ? undefined : eq(broadcasts.createdBy, actor.id));

export function findBroadcast(db: Queryable, actor: Actor, id: number): Broadcast | undefined {
  const row = db
    .select()
    .from(broadcasts)
    .where(and(eq(broadcasts.id, id), visibleBroadcasts(actor)))
    .get();
  return row && parsed(row);
}

export function insertBroadcast(tx: Queryable, input: BroadcastInput, createdBy: number, now: Date): Broadcast {
  const row = tx
    .insert(broadcasts)
    .values({ ...input, createdBy, createdAt: now, updatedAt: now, status: 'scheduled' })
    .returning()
    .get();
  return parsed(row);
}

/**
 * Changes a broadcast that has not gone yet, at the version the form was shown at: undefined
 * when it has since been sent, claimed for sending, cancelled or changed by someone else.
 */
export function updateScheduled(
  tx: Queryable,
  id: number,
  version: number,
  input: BroadcastInput,
  now: Date,
): Broadcast | undefined {
  const row = tx
    .update(broadcasts)
    .set({ ...input, updatedAt: now, version: sql`${broadcasts.version} + 1` })
    .where(and(eq(broadcasts.id, id), eq(broadcasts.version, version), eq(broadcasts.status, 'scheduled')))
    .returning()
    .get();
  return row && parsed(row);
}

/** Cancels a broadcast that has not gone yet, at the version shown; undefined as for updateScheduled. */
export function cancelScheduled(tx: Queryable, id: number, version: number, now: Date): Broadcast | undefined {
  const row = tx
    .update(broadcasts)
    .set({ status: 'cancelled', updatedAt: now, version: sql`${broadcasts.version} + 1` })
    .where(and(eq(broadcasts.id, id), eq(broadcasts.version, version), eq(broadcasts.status, 'scheduled')))
    .returning()
    .get();
  return row && parsed(row);
}

/** How a broadcast's mail fared: from the outbox, through each recipient's mail. */
export interface Delivery {
  recipients: number;
  queued: number;
  sent: number;
  failed: number;
  /** Recipients with no email address: they see the banner only. */
  noAddress: number;
}

export type BroadcastListEntry = Broadcast & { senderName: string | null; delivery?: Delivery };

/** The most recent broadcasts the administrator sees, newest send time first, with their delivery counts. */
export function listBroadcasts(db: Queryable, actor: Actor, limit: number): BroadcastListEntry[] {
  const rows = db
    .select({
      broadcast: broadcasts,
      senderName: sql<string | null>`(select ${displayNameSql('s')} from users s where s.id = broadcasts.created_by)`,
    })
    .from(broadcasts)
    .where(visibleBroadcasts(actor))
    .orderBy(desc(broadcasts.sendAt), desc(broadcasts.id))
    .limit(limit)
    .all();
  const counted = rows.filter((r) => r.broadcast.status === 'sending' || r.broadcast.status === 'sent');
  const deliveries = deliveriesOf(
    db,
    counted.map((r) => r.broadcast.id),
  );
  return rows.map(({ broadcast, senderName }) => ({
    ...parsed(broadcast),
    senderName,
    delivery: deliveries.get(broadcast.id),
  }));
}

function deliveriesOf(db: Queryable, ids: number[]): Map<number, Delivery> {
  if (ids.length === 0) return new Map();
  const rows = allRows<Delivery & { id: number }>(
    db,
    sql`select r.broadcast_id as id, count(*) as recipients,
          coalesce(sum(m.status = 'queued'), 0) as queued,
          coalesce(sum(m.status = 'sent'), 0) as sent,
          coalesce(sum(m.status = 'failed'), 0) as failed,
          coalesce(sum(r.mail_id is null), 0) as noAddress
        from broadcast_recipients r left join mail_queue m on m.id = r.mail_id
        where r.broadcast_id in (select value from json_each(${JSON.stringify(ids)}))
        group by r.broadcast_id`,
  );
  return new Map(rows.map(({ id, ...delivery }) => [id, delivery]));
}

/** A sent broadcast as the portal's banner shows it. */
export interface Banner {
  id: number;
  subject: string;
  body: string;
  /** A known category (an unknown one reads as information), and its word. */
  category: BroadcastCategory;
  categoryLabel: string;
  sentAt: number;
}

/** How many banners a user sees at once: the newest; older ones wait until these are dismissed. */
const BANNERS_SHOWN = 5;

/** The sent broadcasts addressed to a user that they have not dismissed, newest first. */
export function bannersFor(db: Queryable, userId: number): Banner[] {
  const rows = prepared(
    db,
    `select b.id, b.subject, b.body, b.category, b.sent_at as sentAt
     from broadcast_recipients r join broadcasts b on b.id = r.broadcast_id
     where r.user_id = ? and r.dismissed_at is null and b.status = 'sent'
     order by b.sent_at desc, b.id desc limit ${BANNERS_SHOWN}`,
  ).all(userId) as (Omit<Banner, 'categoryLabel'> & { category: string })[];
  return rows.map((row) => {
    const category = isBroadcastCategory(row.category) ? row.category : 'information';
    return { ...row, category, categoryLabel: categoryLabel(category) };
  });
}

/** Hides a banner for the user; false when it was not theirs (or already dismissed). */
export function dismissBanner(db: Queryable, userId: number, broadcastId: number, now: Date): boolean {
  return (
    prepared(
      db,
      `update broadcast_recipients set dismissed_at = ?
       where broadcast_id = ? and user_id = ? and dismissed_at is null`,
    ).run(now.getTime(), broadcastId, userId).changes > 0
  );
}
