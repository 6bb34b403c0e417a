import type { Actor } from '../access/actor.js';
import { auditActor, type AuditAction, recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import type { Progress } from '../jobs/job.js';
import { usersCount } from '../text.js';
import { itemNameProblem } from './item-name.js';
import type { ListSpec } from './list-specs.js';
import { findItem, usersOfItem } from './list-usage.js';
import type { Option } from './reference-lists.js';
import { recomputeMembershipSortKeys, rewriteSortKeysOfItem, setSingleSortKeys } from './sort-keys.js';

/**
 * The four changes to a reference list. Each is one transaction that checks again what the page
 * checked (another superuser may have changed the list meanwhile), writes the list, the users
 * holding the item, their sort keys and the administrators' scopes, and records the audit entry.
 */

/** A change refused for a reason a person can act on; nothing was written. */
export class ListRefusedError extends Error {
  override name = 'ListRefusedError';
}

/** Users holding a removed or merged item, kept while its memberships are rewritten. */
const MOVED = 'temp.list_moved';

function collectMembers(tx: Queryable, spec: ListSpec, id: number, onlyTrashed: boolean): void {
  if (spec.holding.kind !== 'membership') return;
  prepared(tx, `create temp table if not exists list_moved (id integer primary key)`).run();
  prepared(tx, `delete from ${MOVED}`).run();
  const trashed = onlyTrashed ? 'and user_id in (select id from users where deleted_at is not null)' : '';
  prepared(tx, `insert into ${MOVED} select user_id from ${spec.holding.table} where ref_id = ? ${trashed}`).run(id);
}

function existing(tx: Queryable, spec: ListSpec, id: number): Option {
  const item = findItem(tx, spec, id);
  if (!item)
    throw new ListRefusedError(`That ${spec.item} no longer exists: another administrator may have removed it.`);
  return item;
}

function audit(
  tx: Queryable,
  actor: Actor,
  action: AuditAction,
  detail: string,
  before: string | null,
  after: string | null,
  requestId: string,
) {
  recordAudit(tx, { action, actor: auditActor(actor), detail, changes: { name: [before, after] }, requestId });
}

export function addItem(db: Db, actor: Actor, spec: ListSpec, name: string, requestId: string): Option {
  return db.transaction(
    (tx) => {
      const problem = itemNameProblem(tx, spec, name);
      if (problem) throw new ListRefusedError(problem);
      const item = prepared(tx, `insert into ${spec.table} (name) values (?) returning id, name`).get(name) as Option;
      audit(tx, actor, 'list.add', `${spec.title}: added “${name}”`, null, name, requestId);
      return item;
    },
    { behavior: 'immediate' },
  );
}

/** Renames an item; the users holding it get sort keys for the new name. Returns the old name. */
export function renameItem(
  db: Db,
  actor: Actor,
  spec: ListSpec,
  id: number,
  name: string,
  requestId: string,
  progress?: Progress,
): { before: string; users: number } {
  return db.transaction(
    (tx) => {
      const item = existing(tx, spec, id);
      const problem = itemNameProblem(tx, spec, name, id);
      if (problem) throw new ListRefusedError(problem);
      const users = usersOfItem(tx, spec, id);
      prepared(tx, `update ${spec.table} set name = ? where id = ?`).run(name, id);
      progress?.('Rewriting how users sort', 0, 1);
      rewriteSortKeysOfItem(tx, spec, id, name);
      audit(
        tx,
        actor,
        'list.rename',
        `${spec.title}: “${item.name}” renamed to “${name}” (${usersCount(users)})`,
        item.name,
        name,
        requestId,
      );
      return { before: item.name, users };
    },
    { behavior: 'immediate' },
  );
}

/** Removes an item no live user holds; users in the trash who hold it lose it. */
export function removeItem(db: Db, actor: Actor, spec: ListSpec, id: number, requestId: string): Option {
  return db.transaction(
    (tx) => {
      const item = existing(tx, spec, id);
      const users = usersOfItem(tx, spec, id);
      if (users > 0) throw new ListRefusedError(inUse(users));
      // Users in the trash may still hold it: they keep everything else when restored.
      if (spec.holding.kind === 'single') {
        const column = spec.holding.column;
        prepared(tx, `update users set ${column} = null, ${spec.sortColumn} = '' where ${column} = ?`).run(id);
      } else {
        collectMembers(tx, spec, id, true);
        prepared(tx, `delete from ${spec.holding.table} where ref_id = ?`).run(id);
        recomputeMembershipSortKeys(tx, spec, `select id from ${MOVED}`);
      }
      if (spec.scopeKind)
        prepared(tx, `delete from admin_scopes where kind = ? and ref_id = ?`).run(spec.scopeKind, id);
      prepared(tx, `delete from ${spec.table} where id = ?`).run(id);
      audit(tx, actor, 'list.remove', `${spec.title}: removed “${item.name}”`, item.name, null, requestId);
      return item;
    },
    { behavior: 'immediate' },
  );
}

/** Why an item cannot be removed: its users must go somewhere first. */
export const inUse = (users: number) => `Used by ${usersCount(users)}: merge it into another item instead.`;

export interface MergeOutcome {
  from: string;
  into: string;
  /** Users (not in the trash) who held the merged item. */
  moved: number;
}

/**
 * Merges item `fromId` into `intoId`: everyone who held the first holds the second instead, the
 * first is deleted, and scopes that named it name the second. One transaction, so a merge over
 * a million users either happens whole or not at all. Runs as a job (see handlers.ts), on a
 * connection without foreign-key enforcement: every row pointing at the merged item is moved or
 * deleted here explicitly.
 */
export function mergeItems(
  db: Db,
  actor: Actor,
  spec: ListSpec,
  fromId: number,
  intoId: number,
  requestId: string,
  progress: Progress,
): MergeOutcome {
  return db.transaction(
    (tx) => {
      if (fromId === intoId) throw new ListRefusedError(`Choose another ${spec.item} to merge into.`);
      const from = existing(tx, spec, fromId);
      const into = existing(tx, spec, intoId);
      const moved = usersOfItem(tx, spec, fromId);
      progress('Moving users', 0, 2);
      if (spec.holding.kind === 'single') {
        const column = spec.holding.column;
        prepared(tx, `update users set ${column} = ? where ${column} = ?`).run(intoId, fromId);
        progress('Rewriting how users sort', 1, 2);
        setSingleSortKeys(tx, spec, into.name, `${column} = ?`, intoId);
      } else {
        const table = spec.holding.table;
        collectMembers(tx, spec, fromId, false);
        prepared(tx, `insert or ignore into ${table} (user_id, ref_id) select id, ? from ${MOVED}`).run(intoId);
        prepared(tx, `delete from ${table} where ref_id = ?`).run(fromId);
        progress('Rewriting how users sort', 1, 2);
        recomputeMembershipSortKeys(tx, spec, `select id from ${MOVED}`);
      }
      if (spec.scopeKind) {
        prepared(
          tx,
          `insert or ignore into admin_scopes (admin_id, kind, ref_id)
           select admin_id, kind, ? from admin_scopes where kind = ? and ref_id = ?`,
        ).run(intoId, spec.scopeKind, fromId);
        prepared(tx, `delete from admin_scopes where kind = ? and ref_id = ?`).run(spec.scopeKind, fromId);
      }
      prepared(tx, `delete from ${spec.table} where id = ?`).run(fromId);
      audit(
        tx,
        actor,
        'list.merge',
        `${spec.title}: “${from.name}” merged into “${into.name}” (${usersCount(moved)} moved)`,
        from.name,
        into.name,
        requestId,
      );
      progress('Saving', 2, 2);
      return { from: from.name, into: into.name, moved };
    },
    { behavior: 'immediate' },
  );
}
