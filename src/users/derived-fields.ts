import { inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { users } from '../db/schema.js';
import { normalize } from '../text.js';
import { searchDocument } from './search-text.js';

/** What a user's derived fields are computed from: their own fields and the names they show. */
export interface DerivationSource {
  username: string;
  firstName: string;
  lastName: string;
  fullName: string;
  signature: string;
  email: string;
  phone: string;
  extension: string;
  notes: string;
  territory: string | null;
  role: string | null;
  userType: string | null;
  supervisor: string | null;
  groups: string[];
  teams: string[];
  companies: string[];
  addons: string[];
  databases: string[];
}

/** The name shown for a person: full name, else first and last, else the username. */
export function displayName(user: Pick<DerivationSource, 'fullName' | 'firstName' | 'lastName' | 'username'>): string {
  return user.fullName.trim() || `${user.firstName} ${user.lastName}`.trim() || user.username;
}

/** The same rule in SQL, for the supervisor's name read alongside a user. */
export const displayNameSql = (alias: string) =>
  sql.raw(
    `coalesce(nullif(trim(${alias}.full_name), ''), nullif(trim(${alias}.first_name || ' ' || ${alias}.last_name), ''), ${alias}.username)`,
  );

const listKey = (names: string[]) => names.map(normalize).sort().join(', ');

export function deriveFields(u: DerivationSource) {
  return {
    searchDoc: searchDocument([
      u.username,
      u.firstName,
      u.lastName,
      u.fullName,
      u.signature,
      u.email,
      u.phone,
      u.extension,
      ...u.groups,
      ...u.teams,
      u.territory,
      ...u.companies,
      u.supervisor,
      u.notes,
    ]),
    nameSort: normalize(`${u.lastName} ${u.firstName}`) || normalize(u.fullName) || normalize(u.username),
    groupsSort: listKey(u.groups),
    teamsSort: listKey(u.teams),
    companiesSort: listKey(u.companies),
    addonsSort: listKey(u.addons),
    databasesSort: listKey(u.databases),
    territorySort: normalize(u.territory ?? ''),
    roleSort: normalize(u.role ?? ''),
    userTypeSort: normalize(u.userType ?? ''),
    supervisorSort: normalize(u.supervisor ?? ''),
  };
}

const names = (table: string, membership: string) =>
  sql.raw(
    `(select json_group_array(r.name) from ${membership} m join ${table} r on r.id = m.ref_id where m.user_id = u.id)`,
  );

/**
 * Recomputes the derived fields of these users from the database. Call it in the same
 * transaction as any write that changes what a user shows: their fields, memberships, or a name
 * they display (a renamed group, a supervisor's new name).
 */
export function refreshDerivedFields(db: Queryable, ids: readonly number[]): void {
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const rows = db.all<Record<string, string | null> & { id: number }>(sql`
      select u.id, u.username, u.first_name as firstName, u.last_name as lastName, u.full_name as fullName,
        u.signature, u.email, u.phone, u.extension, u.notes,
        t.name as territory, r.name as role, ut.name as userType, ${displayNameSql('s')} as supervisor,
        ${names('groups', 'user_groups')} as groups, ${names('teams', 'user_teams')} as teams,
        ${names('companies', 'user_companies')} as companies, ${names('addons', 'user_addons')} as addons,
        ${names('databases', 'user_databases')} as databases
      from users u
      left join territories t on t.id = u.territory_id
      left join roles r on r.id = u.role_id
      left join user_types ut on ut.id = u.user_type_id
      left join users s on s.id = u.supervisor_id
      where u.id in ${sql`(${sql.join(
        batch.map((id) => sql`${id}`),
        sql`, `,
      )})`}`);
    for (const row of rows) {
      const source = {
        ...(row as unknown as DerivationSource),
        groups: JSON.parse(row.groups ?? '[]'),
        teams: JSON.parse(row.teams ?? '[]'),
        companies: JSON.parse(row.companies ?? '[]'),
        addons: JSON.parse(row.addons ?? '[]'),
        databases: JSON.parse(row.databases ?? '[]'),
      };
      db.update(users)
        .set(deriveFields(source))
        .where(inArray(users.id, [row.id]))
        .run();
    }
  }
}
