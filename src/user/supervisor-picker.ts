import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows } from '../db/statements.js';
import { normalize } from '../text.js';
import { visibleTo } from '../access/scope.js';
import type { Actor } from '../access/actor.js';
import { LABEL_SEPARATOR, personLabelSql } from './supervisor-label.js';

export const SUGGESTION_LIMIT = 20;

/** The greatest code point: every key that starts with the prefix sorts below prefix + this. */
const TOP = '\u{10FFFF}';

/**
 * Supervisors whose last or first name starts with what was typed, in either order: "ham",
 * "hamilton marg", "margaret" and "margaret ham" all find Margaret Hamilton. Each way is a range
 * on an index (users_name_sort holds "last first" normalised; users_first_name holds first and
 * last name), so at a million users this reads at most forty index entries, never the table.
 */
export function supervisorSuggestions(
  db: Queryable,
  actor: Actor,
  typed: string,
  exceptId?: number,
): { id: number; label: string }[] {
  // A chosen suggestion is sent again as the field changes: its name is what to look for.
  const name = typed.split(LABEL_SEPARATOR.trim())[0]!.trim();
  const prefix = normalize(name);
  if (prefix === '') return [];
  const words = name.split(/\s+/);
  const first = words.length > 1 ? words.slice(0, -1).join(' ') : undefined;
  const last = words.at(-1)!;
  const firstNames = first
    ? sql`users.first_name = ${first} collate nocase
          and users.last_name >= ${last} collate nocase and users.last_name < ${last + TOP} collate nocase`
    : sql`users.first_name >= ${last} collate nocase and users.first_name < ${last + TOP} collate nocase`;
  const others = sql`${visibleTo(actor)} and users.id <> ${exceptId ?? 0}`;
  return allRows<{ id: number; label: string }>(
    db,
    sql`select u.id, ${personLabelSql('u')} as label from users u where u.id in (
          select id from (select users.id from users indexed by users_name_sort
            where users.name_sort >= ${prefix} and users.name_sort < ${prefix + TOP} and ${others}
            order by users.name_sort limit ${SUGGESTION_LIMIT})
          union
          select id from (select users.id from users indexed by users_first_name
            where ${firstNames} and ${others} limit ${SUGGESTION_LIMIT}))
        order by u.name_sort, u.id limit ${SUGGESTION_LIMIT}`,
  );
}
