import type { Queryable } from '../db/connection.js';
import type { DateWords } from '../dates.js';
import { findVisibleUser } from '../users/repository.js';
import type { AuditQuery } from './audit-query.js';
import { type AuditPage, listAuditEntries } from './repository.js';
import { type AuditLine, auditLine } from './view.js';
import type { Actor } from '../access/actor.js';

export interface AuditListing extends Omit<AuditPage, 'rows'> {
  lines: AuditLine[];
}

/**
 * One page of the log for the actor. A target's name links to the user only while that user is
 * still there and in the actor's scope: the log outlives the users it names.
 */
export function auditListing(db: Queryable, actor: Actor, query: AuditQuery, dates: DateWords): AuditListing {
  const { rows, ...page } = listAuditEntries(db, actor, query, dates);
  const linkable = new Set<number>();
  const targets = new Set(rows.map((r) => r.targetUserId).filter((id): id is number => id !== null));
  for (const id of targets) if (findVisibleUser(db, actor, id)) linkable.add(id);
  return { ...page, lines: rows.map((row) => auditLine(row, linkable, dates)) };
}
