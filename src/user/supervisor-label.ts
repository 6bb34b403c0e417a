import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, oneRow } from '../db/statements.js';
import { normalize } from '../text.js';
import { displayNameText } from '../users/derived-fields.js';

/** Separates the parts of a label: "Aisha Johnson · aisha.j@acme.test · Sales". */
export const LABEL_SEPARATOR = ' · ';

/**
 * How a person is named where another person picks them (supervisor pickers, confirmations):
 * their name, then their email (or username when they have none) and their first group, so two
 * namesakes read apart in words rather than by an internal id.
 */
export const personLabelText = (alias: string) =>
  `${displayNameText(alias)} || '${LABEL_SEPARATOR}' || coalesce(nullif(trim(${alias}.email), ''), ${alias}.username)
   || coalesce('${LABEL_SEPARATOR}' || (select g.name from user_groups ug join groups g on g.id = ug.ref_id
        where ug.user_id = ${alias}.id order by g.name limit 1), '')`;

export const personLabelSql = (alias: string) => sql.raw(personLabelText(alias));

/** The label of one user, or '' when there is no such user. */
export function personLabel(db: Queryable, id: number): string {
  return (
    oneRow<{ label: string }>(db, sql`select ${personLabelSql('u')} as label from users u where u.id = ${id}`)?.label ??
    ''
  );
}

/** A bare id, or the id at the end of "Name (42)": what older links and hand-edited forms send. */
function idIn(text: string): number | undefined {
  const match = /^(?:.*\()?(\d{1,15})\)?$/s.exec(text);
  const id = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

const onlyOne = (rows: { id: number }[]) => (rows.length === 1 ? rows[0]!.id : undefined);

/**
 * The user a picker's text names, when it names exactly one live user: a label chosen from the
 * suggestions (found by its email or username, the name breaking a tie between users who share
 * an email), or a full name typed by hand in either order, as a form filled without JavaScript
 * sends it. Whether the person may pick that user is the caller's check.
 */
export function personIdOf(db: Queryable, typed: string): number | undefined {
  const text = typed.trim();
  if (text === '') return undefined;
  const id = idIn(text);
  if (id !== undefined) return id;
  const parts = text.split(LABEL_SEPARATOR.trim()).map((part) => part.trim());
  if (parts.length >= 2) {
    const key = parts[1]!.toLowerCase();
    const rows = allRows<{ id: number; name: string }>(
      db,
      sql`select u.id, ${sql.raw(displayNameText('u'))} as name from users u
          where u.deleted_at is null and (lower(u.username) = ${key} or lower(u.email) = ${key})`,
    );
    return onlyOne(rows) ?? onlyOne(rows.filter((row) => normalize(row.name) === normalize(parts[0]!)));
  }
  const words = normalize(text).split(' ');
  const lastFirst = [words.at(-1), ...words.slice(0, -1)].join(' ');
  return onlyOne(
    allRows<{ id: number }>(
      db,
      sql`select id from users indexed by users_name_sort
          where deleted_at is null and name_sort in (${normalize(text)}, ${lastFirst})`,
    ),
  );
}
