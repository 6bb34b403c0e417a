import { and, eq, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { allRows, oneRow } from '../db/statements.js';
import { auditActor, recordAudit } from '../audit/record.js';
import { endSessionsOf } from '../auth/session-store.js';
import { displayName, displayNameSql, refreshDerivedFields } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import { blankInput, validateUserForm } from '../user/user-form.js';
import { personLabel } from '../user/supervisor-label.js';
import { UsernameTakenError } from '../user/user-writes.js';
import type { Actor } from '../access/actor.js';
import { refusals } from '../access/policy.js';
import { trashedVisibleTo } from '../access/scope.js';
import { gainsOf, holdingOf, requireSeats } from '../licences/limits.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const REPORTS_NAMED = 10;

export function findTrashedUser(db: Queryable, actor: Actor, id: number): User | undefined {
  return db
    .select()
    .from(users)
    .where(and(trashedVisibleTo(actor), eq(users.id, id)))
    .get();
}

/** A refused deletion, restore or purge; the reasons are written for the page as they are. */
export class RefusedError extends Error {
  override name = 'RefusedError';
  constructor(readonly reasons: string[]) {
    super(reasons.join(' '));
  }
}
/** Outside the actor's scope, or gone since the page was read. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export interface Person {
  id: number;
  name: string;
}

export interface DeletionReview {
  /** Reasons no choice on the page can overcome (deleting oneself, the last superuser). */
  reasons: string[];
  /** How many users not in the trash name this user as their supervisor, and the first few. */
  reportCount: number;
  reports: Person[];
}

function liveReports(db: Queryable, id: number): { count: number; first: Person[] } {
  const count = oneRow<{ n: number }>(
    db,
    sql`select count(*) as n from users where supervisor_id = ${id} and deleted_at is null`,
  )!.n;
  const first = allRows<Person>(
    db,
    sql`select id, ${displayNameSql('users')} as name from users
        where supervisor_id = ${id} and deleted_at is null order by name_sort, id limit ${REPORTS_NAMED}`,
  );
  return { count, first };
}

/** What stands in the way of moving this user to the trash. */
export function reviewDeletion(db: Queryable, actor: Actor, user: User): DeletionReview {
  const reasons = refusals(db, actor, 'delete', user);
  const { count, first } = liveReports(db, user.id);
  return { reasons, reportCount: count, reports: first };
}

/** Whether candidate reports to the user, directly or through others: moving would make a loop. */
function reportsTo(db: Queryable, candidate: number, user: number): boolean {
  return (
    oneRow(
      db,
      sql`with recursive chain(id) as (
            select id from users where supervisor_id = ${user}
            union select u.id from users u join chain c on u.supervisor_id = c.id
          )
          select 1 from chain where id = ${candidate}`,
    ) !== undefined
  );
}

/** Why this user cannot take over the reports of the one being deleted, or undefined. */
export function replacementProblem(
  db: Queryable,
  actor: Actor,
  user: User,
  replacementId: number | undefined,
): string | undefined {
  if (replacementId === undefined) return 'Choose the new supervisor from the suggestions.';
  if (replacementId === user.id) return `Choose someone other than ${displayName(user)}.`;
  if (!findVisibleUser(db, actor, replacementId)) return 'Choose the new supervisor from the suggestions.';
  if (reportsTo(db, replacementId, user.id)) {
    return `Choose someone who does not report to ${displayName(user)}, directly or through others.`;
  }
  return undefined;
}

export interface TrashResult {
  user: User;
  moved: number;
}

/**
 * Moves a user to the trash; with a replacement, first hands their reports to that supervisor.
 * The rules are checked again inside the transaction: the page may be minutes old, and another
 * administrator may have added a report or demoted the other superuser meanwhile.
 */
export function trashUser(
  db: Db,
  actor: Actor,
  id: number,
  replacementId: number | undefined,
  requestId: string,
  now = new Date(),
): TrashResult {
  const result = db.transaction(
    (tx) => {
      const user = findVisibleUser(tx, actor, id);
      if (!user) throw new NotFoundError();
      const review = reviewDeletion(tx, actor, user);
      if (review.reasons.length > 0) throw new RefusedError(review.reasons);
      let moved = 0;
      if (review.reportCount > 0) {
        if (replacementId === undefined) throw new RefusedError([supervisesMessage(user, review.reportCount)]);
        const problem = replacementProblem(tx, actor, user, replacementId);
        if (problem) throw new RefusedError([problem]);
        moved = moveReports(tx, actor, user, replacementId, requestId, now);
      }
      tx.update(users)
        .set({ deletedAt: now, updatedAt: now, updatedBy: actor.id, version: sql`${users.version} + 1` })
        .where(eq(users.id, id))
        .run();
      endSessionsOf(tx, id);
      recordAudit(
        tx,
        {
          action: 'user.delete',
          actor: auditActor(actor),
          target: { id, name: displayName(user) },
          detail: moved > 0 ? `${moved} supervised ${moved === 1 ? 'user' : 'users'} moved first` : '',
          requestId,
        },
        now,
      );
      return { user: { ...user, deletedAt: now }, moved };
    },
    { behavior: 'immediate' },
  );
  return result;
}

export function supervisesMessage(user: User, count: number): string {
  return `${displayName(user)} supervises ${count} ${count === 1 ? 'user' : 'users'}: move them to another supervisor first.`;
}

function moveReports(tx: Queryable, actor: Actor, user: User, replacementId: number, requestId: string, now: Date) {
  const replacement = tx.select().from(users).where(eq(users.id, replacementId)).get()!;
  const reports = tx
    .select()
    .from(users)
    .where(and(eq(users.supervisorId, user.id), sql`${users.deletedAt} is null`))
    .all();
  const before = personLabel(tx, user.id);
  const after = personLabel(tx, replacement.id);
  for (const report of reports) {
    tx.update(users)
      .set({ supervisorId: replacementId, updatedAt: now, updatedBy: actor.id, version: sql`${users.version} + 1` })
      .where(eq(users.id, report.id))
      .run();
    recordAudit(
      tx,
      {
        action: 'user.update',
        actor: auditActor(actor),
        target: { id: report.id, name: displayName(report) },
        changes: { supervisor: [before, after] },
        detail: `Moved to a new supervisor before ${displayName(user)} was deleted`,
        requestId,
      },
      now,
    );
  }
  // Supervisor names live in the reports' search document and sort key.
  refreshDerivedFields(
    tx,
    reports.map((r) => r.id),
  );
  return reports.length;
}

/** The problem with a new username for a restored user, by the user form's own rule. */
export function newUsernameProblem(db: Queryable, actor: Actor, userId: number, username: string): string | undefined {
  const checked = validateUserForm(db, { ...blankInput(), username }, { actor, userId });
  return checked.errors?.username;
}

/** Whether another user now holds this user's username (compared ignoring case). */
export function usernameClash(db: Queryable, user: Pick<User, 'id' | 'username'>): boolean {
  return (
    oneRow(
      db,
      sql`select 1 from users where lower(username) = ${user.username.toLowerCase()} and deleted_at is null and id <> ${user.id}`,
    ) !== undefined
  );
}

/** Brings a user back from the trash, under a new username when theirs was taken meanwhile. */
export function restoreUser(
  db: Db,
  actor: Actor,
  id: number,
  newUsername: string | undefined,
  requestId: string,
  now = new Date(),
): User {
  // The write lock is taken first, so the clash check inside cannot be overtaken by another write.
  const restored = db.transaction(
    (tx) => {
      const user = findTrashedUser(tx, actor, id);
      if (!user) throw new NotFoundError();
      const refused = refusals(tx, actor, 'edit', user);
      if (refused.length > 0) throw new RefusedError(refused);
      const username = newUsername ?? user.username;
      if (usernameClash(tx, { id, username })) throw new UsernameTakenError();
      // In the trash they hold no licence; restored, they take back what they had, if it is free.
      requireSeats(tx, gainsOf(tx, [{ after: holdingOf(tx, id)! }]));
      tx.update(users)
        .set({
          deletedAt: null,
          username,
          updatedAt: now,
          updatedBy: actor.id,
          version: sql`${users.version} + 1`,
        })
        .where(eq(users.id, id))
        .run();
      const renamed = username !== user.username;
      // A new username can change the name the reports show for their supervisor.
      const reports = renamed
        ? allRows<{ id: number }>(tx, sql`select id from users where supervisor_id = ${id}`).map((r) => r.id)
        : [];
      refreshDerivedFields(tx, [id, ...reports]);
      const after = tx.select().from(users).where(eq(users.id, id)).get()!;
      const changes: Record<string, [unknown, unknown]> | undefined = renamed
        ? { username: [user.username, username] }
        : undefined;
      recordAudit(
        tx,
        {
          action: 'user.restore',
          actor: auditActor(actor),
          target: { id, name: displayName(after) },
          changes,
          requestId,
        },
        now,
      );
      return after;
    },
    { behavior: 'immediate' },
  );
  return restored;
}

/** Users, live or trashed, who still name this user as their supervisor: a purge would orphan them. */
export function supervisedBy(db: Queryable, id: number): { count: number; first: Person[] } {
  const count = oneRow<{ n: number }>(db, sql`select count(*) as n from users where supervisor_id = ${id}`)!.n;
  const first = allRows<Person>(
    db,
    sql`select id, ${displayNameSql('users')} as name from users where supervisor_id = ${id}
        order by name_sort, id limit ${REPORTS_NAMED}`,
  );
  return { count, first };
}

export function purgeRefusal(user: User, count: number): string {
  return `${count} ${count === 1 ? 'user still names' : 'users still name'} ${displayName(user)} as supervisor (in the list or in the trash). Give them another supervisor first.`;
}

/** Deletes a trashed user for good: their memberships and sessions go with them; the audit stays. */
export function purgeUser(db: Db, actor: Actor, id: number, requestId: string, now = new Date()): User {
  const purged = db.transaction(
    (tx) => {
      const user = findTrashedUser(tx, actor, id);
      if (!user) throw new NotFoundError();
      const refused = refusals(tx, actor, 'delete', user);
      const { count } = supervisedBy(tx, id);
      if (count > 0) refused.push(purgeRefusal(user, count));
      if (refused.length > 0) throw new RefusedError(refused);
      tx.delete(users).where(eq(users.id, id)).run();
      recordAudit(
        tx,
        { action: 'user.purge', actor: auditActor(actor), target: { id, name: displayName(user) }, requestId },
        now,
      );
      return user;
    },
    { behavior: 'immediate' },
  );
  return purged;
}

export interface PurgeOutcome {
  purged: number;
  /** Expired, but still named as supervisor by someone who stays: tried again at the next run. */
  kept: number;
}

/**
 * Deletes for good every user trashed more than trashDays ago. A user still named as supervisor
 * by someone who stays (a live user, or one trashed more recently) is kept until that changes;
 * expired users who only supervise each other go together.
 */
export function purgeExpired(db: Db, trashDays: number, now = new Date()): PurgeOutcome {
  const cutoff = now.getTime() - trashDays * DAY_MS;
  const outcome = db.transaction(
    (tx) => {
      const expired = allRows<{ id: number; name: string }>(
        tx,
        sql`select id, ${displayNameSql('users')} as name from users
            where deleted_at is not null and deleted_at <= ${cutoff}`,
      );
      if (expired.length === 0) return { purged: 0, kept: 0 };
      const doomed = new Set(expired.map((u) => u.id));
      const links = allRows<{ id: number; supervisorId: number }>(
        tx,
        sql`select id, supervisor_id as supervisorId from users
            where supervisor_id in (select id from users where deleted_at is not null and deleted_at <= ${cutoff})`,
      );
      // Sparing one user can spare their own supervisor in turn: repeat until nothing changes.
      for (let changed = true; changed;) {
        changed = false;
        for (const link of links) {
          if (doomed.has(link.supervisorId) && !doomed.has(link.id)) {
            doomed.delete(link.supervisorId);
            changed = true;
          }
        }
      }
      const ids = [...doomed];
      for (const id of ids) tx.run(sql`update users set supervisor_id = null where id = ${id}`);
      for (const user of expired) {
        if (!doomed.has(user.id)) continue;
        tx.delete(users).where(eq(users.id, user.id)).run();
        recordAudit(
          tx,
          {
            action: 'user.purge',
            actor: null,
            target: { id: user.id, name: user.name },
            detail: 'expired from the trash',
          },
          now,
        );
      }
      return { purged: ids.length, kept: expired.length - ids.length };
    },
    { behavior: 'immediate' },
  );
  return outcome;
}
