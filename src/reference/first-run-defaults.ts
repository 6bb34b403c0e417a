import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { REFERENCE_TABLES, type ReferenceList } from './reference-tables.js';

/**
 * The items a fresh install starts with. A new user needs a user type and a role, so without
 * these the first superuser could add nobody until they found the Lists page; the others start
 * empty because every organisation names its groups and territories its own way.
 */
export const FIRST_RUN_ITEMS: Partial<Record<ReferenceList, readonly string[]>> = {
  userTypes: ['Employee', 'Contractor', 'Applicant', 'Reviewer', 'Contributor'],
  roles: ['Administrator', 'Manager', 'Staff', 'Viewer'],
};

/** Fills each of those lists that is still empty; a list someone already filled is left alone. */
export function seedFirstRunItems(tx: Queryable): void {
  for (const [list, names] of Object.entries(FIRST_RUN_ITEMS) as [ReferenceList, readonly string[]][]) {
    const table = REFERENCE_TABLES[list];
    if (prepared(tx, `select 1 from ${table} limit 1`).get()) continue;
    const insert = prepared(tx, `insert into ${table} (name) values (?)`);
    for (const name of names) insert.run(name);
  }
}
