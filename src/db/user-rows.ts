import { getTableColumns } from 'drizzle-orm';
import { type User, users } from './schema.js';

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

const BY_NAME = new Map(COLUMNS.map((c) => [c.name, c]));

function read(conversion: Conversion, value: unknown): unknown {
  if (value === null || conversion === 'none') return value;
  if (conversion === 'date') return new Date(value as number);
  if (conversion === 'boolean') return value === 1;
  return JSON.parse(value as string);
}

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
    if (name in row) user[property] = read(conversion, row[name]);
  }
  return user;
}

/** A reader of rows given as arrays of these columns' values, in this order. */
export function arrayReader<K extends keyof User>(names: readonly string[]): (values: unknown[]) => Pick<User, K> {
  const columns = names.map((name) => BY_NAME.get(name)!);
  return (values) => {
    const user: Record<string, unknown> = {};
    columns.forEach(({ property, conversion }, i) => (user[property] = read(conversion, values[i])));
    return user as Pick<User, K>;
  };
}
