import { asc } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { companies, groups, roles, territories, userTypes } from '../db/schema.js';

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
  const all = (table: typeof groups | typeof territories | typeof companies | typeof userTypes | typeof roles) =>
    db.select({ id: table.id, name: table.name }).from(table).orderBy(asc(table.name)).all();
  return {
    groups: all(groups),
    territories: all(territories),
    companies: all(companies),
    userTypes: all(userTypes),
    roles: all(roles),
  };
}
