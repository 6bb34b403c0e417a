import { getTableColumns } from 'drizzle-orm';
import { type User, users } from '../db/schema.js';

type Conversion = 'date' | 'boolean' | 'json' | 'none';

/** How each users column is read from a raw row, worked out once from the drizzle schema. */
const COLUMNS = Object.entries(getTableColumns(users)).map(([property, column]) => {
  const conversion: Conversion =
    column.columnType === 'SQLiteTimestamp'
      ? 'date'
      : column.columnType === 'SQLiteBoolean'
        ? 'boolean'
        : column.columnType === 'SQLiteTextJson'
          ? 'json'
          : 'none';
  return { property, name: column.name, conversion };
});

/**
 * Turns a raw `select u.*` row into a User. drizzle does the same, but checks every value's
 * type on the way; on a page of rows that checking cost more than the query.
 */
export function toUser(row: Record<string, unknown>): User;
/** The same for a row that holds only some of the columns: only those are set. */
export function toUser<K extends keyof User>(row: Record<string, unknown>): Pick<User, K>;
export function toUser(row: Record<string, unknown>): Partial<User> {
  const user: Record<string, unknown> = {};
  for (const { property, name, conversion } of COLUMNS) {
    if (!(name in row)) continue;
    const value = row[name];
    if (value === null || conversion === 'none') user[property] = value;
    else if (conversion === 'date') user[property] = new Date(value as number);
    else if (conversion === 'boolean') user[property] = value === 1;
    else user[property] = JSON.parse(value as string);
  }
  return user;
}
