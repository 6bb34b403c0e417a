import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows } from '../db/statements.js';
import { normalize } from '../text.js';
import { displayNameSql } from '../users/derived-fields.js';
import { visibleTo } from '../access/scope.js';
import type { Actor } from '../access/actor.js';

export const SUGGESTION_LIMIT = 20;

/** The greatest code point: every key that starts with the prefix sorts below prefix + this. */
const TOP = '\u{10FFFF}';

/**
 * Supervisors whose sort name ("last first", normalised) starts with what was typed. A prefix
 * is a range on the users_name_sort index, so at a million users this reads twenty index
 * entries, never the table.
 */
export function supervisorSuggestions(
  db: Queryable,
  actor: Actor,
  typed: string,
  exceptId?: number,
): { id: number; label: string }[] {
  const prefix = normalize(typed.replace(/\(\d*\)?\s*$/, ''));
  if (prefix === '') return [];
  return allRows<{ id: number; label: string }>(
    db,
    sql`select users.id, ${displayNameSql('users')} || ' (' || users.id || ')' as label
        from users indexed by users_name_sort
        where users.name_sort >= ${prefix} and users.name_sort < ${prefix + TOP} and users.deleted_at is null
          and ${visibleTo(actor)} and users.id <> ${exceptId ?? 0}
        order by users.name_sort limit ${SUGGESTION_LIMIT}`,
  );
}
