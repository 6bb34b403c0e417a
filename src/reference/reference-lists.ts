import type { Queryable } from '../db/connection.js';
import { UntilChanged } from '../db/change-stamp.js';
import { prepared } from '../db/statements.js';
import { REFERENCE_TABLES, type ReferenceList } from './reference-tables.js';

export interface Option {
  id: number;
  name: string;
}

/** One reference list in name order, and each entry by id with its place in that order. */
export interface NamedList {
  options: Option[];
  byId: Map<number, Option & { rank: number }>;
}

export type ReferenceLists = Record<ReferenceList, NamedList>;

const lists = new UntilChanged<ReferenceLists>(1);

/**
 * Every reference list, read whole: they are small, superusers rarely change them, and every
 * list page needs their names, so they are kept until the database changes.
 */
export function referenceLists(db: Queryable): ReferenceLists {
  return lists.get(db, '', () => {
    const read = (table: string): NamedList => {
      const options = prepared(db, `select id, name from ${table} order by name`).all() as Option[];
      return { options, byId: new Map(options.map((o, rank) => [o.id, { ...o, rank }])) };
    };
    return Object.fromEntries(
      Object.entries(REFERENCE_TABLES).map(([list, table]) => [list, read(table)]),
    ) as ReferenceLists;
  });
}

export interface FilterOptions {
  groups: Option[];
  territories: Option[];
  companies: Option[];
  userTypes: Option[];
  roles: Option[];
}

/** The choices of the quick filters. */
export function filterOptions(db: Queryable): FilterOptions {
  const all = referenceLists(db);
  return {
    groups: all.groups.options,
    territories: all.territories.options,
    companies: all.companies.options,
    userTypes: all.userTypes.options,
    roles: all.roles.options,
  };
}

/** The lists with no items yet: forms that offer their items say where to add some. */
export function emptyLists(db: Queryable): ReferenceList[] {
  const all = referenceLists(db);
  return (Object.keys(all) as ReferenceList[]).filter((list) => all[list].options.length === 0);
}
