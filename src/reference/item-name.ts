import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { normalize } from '../text.js';
import type { ListSpec } from './list-specs.js';

export const MAX_ITEM_NAME = 200;

/** A name as typed, trimmed; what is checked is what is stored. */
export const readItemName = (body: Record<string, unknown> | undefined) => String(body?.name ?? '').trim();

/**
 * Why this name cannot be an item of the list, or undefined when it can. Names compare as
 * search and sort see them, ignoring case and accents: "Sales", "sales" and "Sälës" would sort
 * and filter as one, so they are one name. `exceptId` is the item being renamed.
 */
export function itemNameProblem(db: Queryable, spec: ListSpec, name: string, exceptId?: number): string | undefined {
  if (name === '' || normalize(name) === '') return `Enter a name for the ${spec.item}.`;
  if (name.length > MAX_ITEM_NAME) return `Use at most ${MAX_ITEM_NAME} characters (this name has ${name.length}).`;
  const folded = normalize(name);
  const items = prepared(db, `select id, name from ${spec.table}`).all() as { id: number; name: string }[];
  const clash = items.find((item) => item.id !== exceptId && normalize(item.name) === folded);
  if (clash)
    return `There is already a ${spec.item} called “${clash.name}”. Names must differ by more than case or accents.`;
  return undefined;
}
