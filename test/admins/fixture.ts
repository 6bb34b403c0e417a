import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/connection.js';
import { adminScopes, auditEntries, sessions, users } from '../../src/db/schema.js';
import { addUser, referenceId, signedInWithAnnAndBoss } from '../helpers/directory.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A superuser signed in, Ann Öberg (a managed user in Sales) and Bo Ssman, and reference lists
 * with Sales, Support, Nordics and Acme to choose a scope from.
 */
export async function superuserWithDirectory(t: Teardown) {
  const ctx = await signedInWithAnnAndBoss(t);
  const ids = {
    sales: referenceId(ctx.db, 'groups', 'Sales'),
    support: referenceId(ctx.db, 'groups', 'Support'),
    nordics: referenceId(ctx.db, 'territories', 'Nordics'),
    acme: referenceId(ctx.db, 'companies', 'Acme'),
  };
  return { ...ctx, ids };
}

/** A scoped administrator in the directory (not signed in) with a scope of Sales and view. */
export function addScopedAdmin(db: Db, username: string, scope: { kind: 'groups' | 'territories'; refId: number }[]) {
  const user = addUser(db, {
    username,
    firstName: 'Sam',
    lastName: 'Scoped',
    adminRole: 'admin',
    adminPermissions: ['view'],
  });
  for (const s of scope)
    db.insert(adminScopes)
      .values({ adminId: user.id, ...s })
      .run();
  return user;
}

/** Everything an administrator's access is made of, to compare before and after a refused change. */
export function accessState(db: Db, id: number) {
  const row = db.select().from(users).where(eq(users.id, id)).get()!;
  return {
    adminRole: row.adminRole,
    adminPermissions: row.adminPermissions,
    version: row.version,
    scope: db.select().from(adminScopes).where(eq(adminScopes.adminId, id)).all(),
    sessions: db.select().from(sessions).where(eq(sessions.userId, id)).all().length,
    audit: db.get<{ n: number }>(sql`select count(*) as n from audit_entries where action like 'admin.%'`)!.n,
  };
}

export const auditOf = (db: Db, action: string) =>
  db.select().from(auditEntries).where(eq(auditEntries.action, action)).all();
