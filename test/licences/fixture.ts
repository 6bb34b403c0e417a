import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/connection.js';
import { referenceId, signedInWithAnnAndBoss } from '../helpers/directory.js';

/** The id of an add-on licence on the reference list, added when missing. */
export function addonId(db: Db, name: string): number {
  db.run(sql`insert or ignore into addons (name) values (${name})`);
  return db.get<{ id: number }>(sql`select id from addons where name = ${name}`)!.id;
}

/** Sets the pool as a superuser would: seats per licence; absent means unlimited. */
export function setPool(db: Db, seats: { full?: number; viewer?: number; addons?: Record<number, number> }) {
  db.run(sql`delete from licence_seats`);
  db.run(sql`delete from addon_seats`);
  for (const type of ['full', 'viewer'] as const) {
    const n = seats[type];
    if (n !== undefined) db.run(sql`insert into licence_seats (licence_type, seats) values (${type}, ${n})`);
  }
  for (const [id, n] of Object.entries(seats.addons ?? {})) {
    db.run(sql`insert into addon_seats (addon_id, seats) values (${Number(id)}, ${n})`);
  }
}

export const licenceOf = (db: Db, id: number) =>
  db.get<{ licence_type: string }>(sql`select licence_type from users where id = ${id}`)!.licence_type;

export const addonsOf = (db: Db, id: number) =>
  db
    .all<{ ref_id: number }>(sql`select ref_id from user_addons where user_id = ${id} order by ref_id`)
    .map((r) => r.ref_id);

export const userCount = (db: Db) => db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;

/** A superuser signed in, Ann and Bo in the directory, and the add-on CRM on the list. */
export async function licenceTeam(t: { teardown(fn: () => unknown): void }) {
  const ctx = await signedInWithAnnAndBoss(t);
  const crm = addonId(ctx.db, 'CRM');
  const rebates = addonId(ctx.db, 'Rebates');
  // The user form requires a user type and a role: everyone has them, so edits save.
  const userType = referenceId(ctx.db, 'user_types', 'Employee');
  const role = referenceId(ctx.db, 'roles', 'Agent');
  ctx.db.run(sql`update users set user_type_id = ${userType}, role_id = ${role}`);
  await ctx.browser.get('/users?view=licences');
  return { ...ctx, crm, rebates, userType, role };
}
