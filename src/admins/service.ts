import { eq, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { adminScopes, type User, users } from '../db/schema.js';
import type { Actor } from '../access/actor.js';
import { isSuperuser, LAST_SUPERUSER } from '../access/policy.js';
import { auditActor, type AuditAction, recordAudit } from '../audit/record.js';
import { endSessionsOf } from '../auth/session-store.js';
import { referenceLists } from '../reference/reference-lists.js';
import { displayName, refreshDerivedFields } from '../users/derived-fields.js';
import { usernameTaken } from '../user/user-form.js';
import { UsernameTakenError } from '../user/user-writes.js';
import type { AccessValues } from './access-form.js';
import { findAdministrator, findManagedUser, isLastActiveSuperuser } from './repository.js';
import { type AccessWords, accessWords } from './words.js';

export const ONLY_ACTIVE_SUPERUSER = 'You are the only active superuser: make someone else a superuser first.';

/** The administrator (or the user to be made one) is not there: in the trash, or never was. */
export class NotFoundError extends Error {}
/** A protection refuses the change; the message says why, and nothing was written. */
export class RefusedError extends Error {}

/** The new account's own fields; the password is already hashed. */
export interface NewAccount {
  username: string;
  fullName: string;
  email: string;
  passwordHash: string;
}

type Changes = Record<string, [unknown, unknown]>;

/** The access values as the actor type holds them, so they can be put in words. */
const asAccess = (values: AccessValues): Pick<Actor, 'adminRole' | 'scope' | 'permissions'> => ({
  adminRole: values.role,
  scope: isSuperuser({ adminRole: values.role }) ? 'everyone' : values.scope,
  permissions: new Set(values.permissions ?? []),
});

function wordsOf(db: Queryable, access: Pick<Actor, 'adminRole' | 'scope' | 'permissions'>): AccessWords {
  return accessWords(access, referenceLists(db));
}

/** Before → after for every part that reads differently; a side that does not exist is null. */
function accessChanges(before: AccessWords | null, after: AccessWords | null): Changes {
  const changes: Changes = {};
  for (const key of ['role', 'scope', 'permissions'] as const) {
    const from = before?.[key] ?? null;
    const to = after?.[key] ?? null;
    if (from !== to) changes[key] = [from, to];
  }
  return changes;
}

/**
 * Why superuser rights may not be taken from this administrator now, or undefined. Only a
 * superuser's rights count: a scoped administrator can always be changed or revoked.
 */
export function superuserLossRefusal(db: Queryable, actor: Actor, admin: Pick<User, 'id' | 'adminRole'>) {
  if (!isSuperuser({ adminRole: admin.adminRole! })) return undefined;
  if (!isLastActiveSuperuser(db, admin.id)) return undefined;
  return admin.id === actor.id ? ONLY_ACTIVE_SUPERUSER : LAST_SUPERUSER;
}

/** Sets role and permissions and replaces the scope rows, stamping who changed the account. */
function writeAccess(tx: Queryable, actor: Actor, id: number, values: AccessValues | null, now: Date) {
  tx.update(users)
    .set({
      adminRole: values?.role ?? null,
      adminPermissions: values?.permissions ?? null,
      updatedAt: now,
      updatedBy: actor.id,
      version: sql`${users.version} + 1`,
    })
    .where(eq(users.id, id))
    .run();
  tx.delete(adminScopes).where(eq(adminScopes.adminId, id)).run();
  if (!values || isSuperuser({ adminRole: values.role })) return;
  for (const kind of Object.keys(values.scope) as (keyof AccessValues['scope'])[]) {
    for (const refId of values.scope[kind]) tx.insert(adminScopes).values({ adminId: id, kind, refId }).run();
  }
}

function audit(
  tx: Queryable,
  actor: Actor,
  action: AuditAction,
  target: User,
  changes: Changes,
  requestId: string,
  now: Date,
) {
  recordAudit(
    tx,
    { action, actor: auditActor(actor), target: { id: target.id, name: displayName(target) }, changes, requestId },
    now,
  );
}

/** Makes an existing managed user an administrator. */
export function grantAdministration(db: Db, actor: Actor, userId: number, values: AccessValues, requestId: string) {
  return db.transaction(
    (tx) => {
      const user = findManagedUser(tx, userId);
      if (!user) throw new NotFoundError();
      const now = new Date();
      writeAccess(tx, actor, user.id, values, now);
      audit(tx, actor, 'admin.grant', user, accessChanges(null, wordsOf(tx, asAccess(values))), requestId, now);
      return user;
    },
    { behavior: 'immediate' },
  );
}

/** Creates a new account that is an administrator from the start: two audit entries, one transaction. */
export function createAdministrator(
  db: Db,
  actor: Actor,
  account: NewAccount,
  values: AccessValues,
  requestId: string,
): User {
  const [firstName = '', ...rest] = account.fullName.split(/\s+/);
  return db.transaction(
    (tx) => {
      // Checked again inside the write lock: two superusers may pick the same name at once.
      if (usernameTaken(tx, account.username)) throw new UsernameTakenError();
      const now = new Date();
      const user = tx
        .insert(users)
        .values({
          username: account.username,
          fullName: account.fullName,
          firstName,
          lastName: rest.join(' '),
          email: account.email,
          passwordHash: account.passwordHash,
          passwordChangedAt: now,
          createdAt: now,
          createdBy: actor.id,
          updatedAt: now,
          updatedBy: actor.id,
        })
        .returning()
        .get();
      refreshDerivedFields(tx, [user.id]);
      const created: Changes = {};
      for (const [key, value] of Object.entries({
        username: user.username,
        fullName: user.fullName,
        email: user.email,
      })) {
        if (value !== '') created[key] = [null, value];
      }
      audit(tx, actor, 'user.create', user, created, requestId, now);
      writeAccess(tx, actor, user.id, values, now);
      audit(tx, actor, 'admin.grant', user, accessChanges(null, wordsOf(tx, asAccess(values))), requestId, now);
      return user;
    },
    { behavior: 'immediate' },
  );
}

/** Changes an administrator's role, scope and permissions; returns what changed (nothing: nothing written). */
export function changeAdministration(
  db: Db,
  actor: Actor,
  id: number,
  values: AccessValues,
  requestId: string,
): Changes {
  return db.transaction(
    (tx) => {
      const admin = findAdministrator(tx, id);
      if (!admin) throw new NotFoundError();
      if (!isSuperuser({ adminRole: values.role })) {
        const refused = superuserLossRefusal(tx, actor, admin);
        if (refused) throw new RefusedError(refused);
      }
      const changes = accessChanges(wordsOf(tx, admin), wordsOf(tx, asAccess(values)));
      if (Object.keys(changes).length === 0) return changes;
      const now = new Date();
      writeAccess(tx, actor, id, values, now);
      audit(tx, actor, 'admin.change', admin, changes, requestId, now);
      return changes;
    },
    { behavior: 'immediate' },
  );
}

/**
 * Takes administration away: role, permissions and scope go, and every session of theirs ends
 * now, so an open console stops working at its next request. The account stays a managed user.
 * Returns the administrator as they were and how many sessions ended.
 */
export function revokeAdministration(db: Db, actor: Actor, id: number, requestId: string) {
  return db.transaction(
    (tx) => {
      const admin = findAdministrator(tx, id);
      if (!admin) throw new NotFoundError();
      const refused = superuserLossRefusal(tx, actor, admin);
      if (refused) throw new RefusedError(refused);
      const now = new Date();
      const changes = accessChanges(wordsOf(tx, admin), null);
      writeAccess(tx, actor, id, null, now);
      const sessionsEnded = endSessionsOf(tx, id);
      audit(tx, actor, 'admin.revoke', admin, changes, requestId, now);
      return { admin, sessionsEnded };
    },
    { behavior: 'immediate' },
  );
}
