import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Db, Queryable } from '../../src/db/connection.js';
import type { Scope } from '../../src/access/actor.js';
import {
  adminScopes,
  type NewUser,
  type Permission,
  PERMISSIONS,
  type ScopeKind,
  type User,
  users,
} from '../../src/db/schema.js';
import { refreshDerivedFields } from '../../src/users/derived-fields.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { addSuperuser, buildTestApp, Client } from './app.js';
import type { Config } from '../../src/config.js';

/** The smallest shape of a tap test these helpers need: somewhere to register clean-up. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Columns of a user (camelCase drizzle names), plus the names of what they belong to. */
export type UserFields = Partial<NewUser> & {
  username: string;
  groups?: string[];
  teams?: string[];
  companies?: string[];
  territory?: string;
  role?: string;
  userType?: string;
};

export type ReferenceTable = 'groups' | 'teams' | 'companies' | 'territories' | 'roles' | 'user_types';

/** The id of the reference row with this name, created when missing. */
export function referenceId(db: Queryable, table: ReferenceTable, name: string): number {
  db.run(sql`insert or ignore into ${sql.identifier(table)} (name) values (${name})`);
  return db.get<{ id: number }>(sql`select id from ${sql.identifier(table)} where name = ${name}`)!.id;
}

/**
 * Adds a user the way a write path would: the row, its memberships, then the derived search
 * and sort fields.
 */
export function addUser(db: Db, fields: UserFields): User {
  const { groups = [], teams = [], companies = [], territory, role, userType, ...columns } = fields;
  const id = db.transaction((tx) => {
    const ref = (table: ReferenceTable, name: string | undefined) =>
      name === undefined ? undefined : referenceId(tx, table, name);
    const { id } = tx
      .insert(users)
      .values({
        ...columns,
        territoryId: ref('territories', territory) ?? columns.territoryId,
        roleId: ref('roles', role) ?? columns.roleId,
        userTypeId: ref('user_types', userType) ?? columns.userTypeId,
      })
      .returning({ id: users.id })
      .get();
    const join = (membership: string, table: ReferenceTable, names: string[]) => {
      for (const name of names) {
        tx.run(sql`insert into ${sql.identifier(membership)} (user_id, ref_id) values (${id}, ${ref(table, name)!})`);
      }
    };
    join('user_groups', 'groups', groups);
    join('user_teams', 'teams', teams);
    join('user_companies', 'companies', companies);
    refreshDerivedFields(tx, [id]);
    return id;
  });
  return db.select().from(users).where(eq(users.id, id)).get()!;
}

/** A superuser signed in, with Ann Öberg (groups, teams, an email) who reports to Bo Ssman. */
export async function signedInWithAnnAndBoss(t: Teardown, overrides: Partial<Config> = {}) {
  const app = await buildTestApp(t, overrides);
  const admin = await addSuperuser(app);
  const db = app.db;
  const boss = addUser(db, { username: 'boss', firstName: 'Bo', lastName: 'Ssman' });
  const ann = addUser(db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Öberg',
    email: 'ann@example.com',
    groups: ['Sales'],
    teams: ['Blue'],
    supervisorId: boss.id,
  });
  const browser = new Client(app);
  await browser.signIn();
  return { app, db, admin, boss, ann, browser };
}

/**
 * Another administrator, "helper", signed in with a client of their own. An `admin` has no
 * scope yet, so sees nobody: the stand-in for an administrator outside a user's scope.
 */
/**
 * A second administrator, signed in. A scoped one gets every permission by default and the
 * scope given (none: they administer nobody).
 */
export async function signedInHelper(
  app: FastifyInstance,
  adminRole: 'admin' | 'superuser' = 'admin',
  access: { permissions?: Permission[]; scope?: Partial<Scope> } = {},
) {
  const password = 'a long helper passphrase';
  const adminPermissions = adminRole === 'admin' ? (access.permissions ?? [...PERMISSIONS]) : null;
  const user = addUser(app.db, {
    username: 'helper',
    adminRole,
    adminPermissions,
    passwordHash: await hashPassword(password),
  });
  for (const [kind, ids] of Object.entries(access.scope ?? {})) {
    for (const id of ids)
      app.db
        .insert(adminScopes)
        .values({ adminId: user.id, kind: kind as ScopeKind, refId: id })
        .run();
  }
  const client = new Client(app);
  await client.signIn('helper', password);
  return { user, client };
}
