import { type AnyColumn, and, isNull, type SQL, sql } from 'drizzle-orm';
import { type User, users } from '../db/schema.js';

/**
 * The one place that decides which users an administrator may see and act on. Every query over
 * users starts from this condition, so scope holds by construction rather than by remembering.
 *
 * A superuser sees every user that is not in the trash. Any other administrator sees only the
 * users inside their scope; until scopes can be assigned, that scope is empty — deny by default.
 * `table` is an alias of users when a query names it differently.
 */
export function visibleTo(actor: Pick<User, 'adminRole'>, table: { deletedAt: AnyColumn } = users): SQL {
  const notDeleted = isNull(table.deletedAt);
  if (actor.adminRole === 'superuser') return notDeleted;
  return and(notDeleted, sql`0`) as SQL;
}
