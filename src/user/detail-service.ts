import type { Db } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { COLUMNS } from '../list/columns.js';
import { loadRows, type ListRow } from '../list/list-repository.js';
import { findVisibleUser } from '../users/repository.js';
import type { Actor } from '../access/actor.js';

const COLUMN_KEYS = COLUMNS.map((c) => c.key);

export interface UserDetail {
  user: User;
  /** The names the user shows (territory, groups, supervisor, …). */
  row: ListRow;
  /** The supervisor, only when the administrator may see them too. */
  supervisor?: User;
}

/** One user as the administrator may see them, or undefined: outside the scope, nobody is there. */
export function userDetail(db: Db, actor: Actor, id: number): UserDetail | undefined {
  const user = findVisibleUser(db, actor, id);
  if (!user) return undefined;
  const [row] = loadRows(db, [user.id], COLUMN_KEYS);
  const supervisor = user.supervisorId ? findVisibleUser(db, actor, user.supervisorId) : undefined;
  return row && { user, row, supervisor };
}
