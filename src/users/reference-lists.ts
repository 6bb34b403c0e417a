import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows } from '../db/statements.js';

export interface Option {
  id: number;
  name: string;
}

export interface FilterOptions {
  groups: Option[];
  territories: Option[];
  companies: Option[];
  userTypes: Option[];
  roles: Option[];
}

/** The choices of the quick filters; reference lists are small, so they are read whole. */
export function filterOptions(db: Queryable): FilterOptions {
  const all = (table: string) => allRows<Option>(db, sql`select id, name from ${sql.raw(table)} order by name`);
  return {
    groups: all('groups'),
    territories: all('territories'),
    companies: all('companies'),
    userTypes: all('user_types'),
    roles: all('roles'),
  };
}
