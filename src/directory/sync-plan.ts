import { displayName } from '../users/derived-fields.js';
import type { DirectoryRow } from './entries-to-rows.js';

/**
 * What a sync run would change, worked out before anything is written, so the run can count it
 * against the allowed share and stop to ask. Pure: the caller reads the users and the rows.
 */

/** A Roster user linked to a directory entry, as the plan compares them. */
export interface LinkedUser {
  id: number;
  directoryId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  fullName: string;
  phone: string;
  status: 'active' | 'inactive';
  supervisorId: number | null;
  supervisorName: string | null;
}

/** The fields a sync keeps in step; groups and companies are left to the import, which knows the lists. */
export const SYNCED_TEXT = ['username', 'email', 'firstName', 'lastName', 'fullName', 'phone'] as const;
type SyncedText = (typeof SYNCED_TEXT)[number];

export interface UserUpdate {
  id: number;
  /** The user's name before the change, for the audit entry. */
  name: string;
  /** Field → [before, after], as an audit entry records it. */
  changes: Record<string, [unknown, unknown]>;
  /** The user's synced fields after the change. */
  after: Record<SyncedText, string> & { status: 'active' | 'inactive'; supervisorId: number | null };
}

export interface SyncPlan {
  updates: UserUpdate[];
  /** Linked users whose entry is gone (only when deactivating those who left is on). */
  deactivations: { id: number; name: string }[];
  unchanged: number;
  /** Entries without a Roster user yet: an import brings them in. */
  notInRoster: number;
  /** Rows that could not be used, with why, and users a row could not be applied to. */
  problems: { line: string; errors: string[] }[];
  /** Roster users linked to the directory: what the allowed share is counted against. */
  linked: number;
}

export interface PlanOptions {
  deactivateMissing: boolean;
  /** lower(username) → id of every user not in the trash whose name a row would take. */
  takenUsernames: ReadonlyMap<string, number>;
}

export function planSync(rows: readonly DirectoryRow[], linked: readonly LinkedUser[], options: PlanOptions): SyncPlan {
  const byDirectoryId = new Map(linked.map((user) => [user.directoryId, user]));
  const plan: SyncPlan = {
    updates: [],
    deactivations: [],
    unchanged: 0,
    notInRoster: 0,
    problems: [],
    linked: linked.length,
  };
  const seen = new Set<string>();

  for (const row of rows) {
    if (row.directoryId) seen.add(row.directoryId);
    if (row.errors.length > 0) {
      plan.problems.push({ line: row.line, errors: row.errors });
      continue;
    }
    const user = byDirectoryId.get(row.directoryId);
    if (!user) {
      plan.notInRoster++;
      continue;
    }
    const after = {
      ...Object.fromEntries(SYNCED_TEXT.map((field) => [field, row.values[field] ?? user[field]])),
      status: (row.values.status as 'active' | 'inactive' | undefined) ?? user.status,
      supervisorId: user.supervisorId,
    } as UserUpdate['after'];
    let supervisorName = user.supervisorName;
    if (row.supervisorDirectoryId !== undefined) {
      const supervisor = byDirectoryId.get(row.supervisorDirectoryId);
      if (supervisor) {
        after.supervisorId = supervisor.id;
        supervisorName = displayName(supervisor);
      }
    }
    const taken = options.takenUsernames.get(after.username.toLowerCase());
    if (taken !== undefined && taken !== user.id) {
      plan.problems.push({
        line: row.line,
        errors: [
          `The username "${after.username}" already belongs to another Roster user; ${displayName(user)} was left as they are.`,
        ],
      });
      continue;
    }
    const changes: Record<string, [unknown, unknown]> = {};
    for (const field of [...SYNCED_TEXT, 'status'] as const) {
      if (after[field] !== user[field]) changes[field] = [user[field], after[field]];
    }
    if (after.supervisorId !== user.supervisorId) changes.supervisor = [user.supervisorName, supervisorName];
    if (Object.keys(changes).length === 0) plan.unchanged++;
    else plan.updates.push({ id: user.id, name: displayName(user), changes, after });
  }

  if (options.deactivateMissing) {
    for (const user of linked) {
      if (!seen.has(user.directoryId) && user.status === 'active')
        plan.deactivations.push({ id: user.id, name: displayName(user) });
    }
  }
  return plan;
}

/** How many users the plan changes, with `creating` new ones, as a share of the linked users, in per cent. */
export function changedShare(plan: SyncPlan, creating = 0): number {
  const changed = plan.updates.length + plan.deactivations.length + creating;
  if (changed === 0) return 0;
  return plan.linked === 0 ? 100 : (changed * 100) / plan.linked;
}
