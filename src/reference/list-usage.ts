import type { Queryable } from '../db/connection.js';
import { UntilChanged } from '../db/change-stamp.js';
import { prepared } from '../db/statements.js';
import type { ListSpec } from './list-specs.js';
import type { Option } from './reference-lists.js';

/** An item of a list with how many users (not in the trash) hold it. */
export interface ItemUsage extends Option {
  users: number;
}

/** Names in the order a person reads a list: case and accents do not push "ängel" after "zebra". */
const alphabetical = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** The users holding an item, counted per item: one grouped read over an index. */
function usageQuery(spec: ListSpec): string {
  return spec.holding.kind === 'single'
    ? `select ${spec.holding.column} as id, count(*) as n from users
       where deleted_at is null and ${spec.holding.column} is not null group by ${spec.holding.column}`
    : `select m.ref_id as id, count(*) as n from ${spec.holding.table} m
       join users u on u.id = m.user_id and u.deleted_at is null group by m.ref_id`;
}

/**
 * Counting a membership list's users reads every membership row; the counts are kept until the
 * database changes, so a superuser going back and forth between lists pays once.
 */
const usageCache = new UntilChanged<ItemUsage[]>(8);

/** A list's items, alphabetically, each with its number of users. */
export function itemsWithUsage(db: Queryable, spec: ListSpec): ItemUsage[] {
  return usageCache.get(db, spec.key, () => {
    const counts = new Map(
      (prepared(db, usageQuery(spec)).all() as { id: number; n: number }[]).map((row) => [row.id, row.n]),
    );
    const items = prepared(db, `select id, name from ${spec.table}`).all() as Option[];
    return items
      .map((item) => ({ ...item, users: counts.get(item.id) ?? 0 }))
      .sort((a, b) => alphabetical.compare(a.name, b.name) || a.name.localeCompare(b.name));
  });
}

/** How many items each list holds, by list key. */
export function itemCounts(db: Queryable, specs: readonly ListSpec[]): Record<string, number> {
  return Object.fromEntries(
    specs.map((spec) => [spec.key, (prepared(db, `select count(*) as n from ${spec.table}`).get() as { n: number }).n]),
  );
}

export function findItem(db: Queryable, spec: ListSpec, id: number): Option | undefined {
  return prepared(db, `select id, name from ${spec.table} where id = ?`).get(id) as Option | undefined;
}

/** The users (not in the trash) holding one item. */
export function usersOfItem(db: Queryable, spec: ListSpec, id: number): number {
  const query =
    spec.holding.kind === 'single'
      ? `select count(*) as n from users where deleted_at is null and ${spec.holding.column} = ?`
      : `select count(*) as n from ${spec.holding.table} m join users u on u.id = m.user_id
         where u.deleted_at is null and m.ref_id = ?`;
  return (prepared(db, query).get(id) as { n: number }).n;
}

/** Every user holding one item, those in the trash too: the rows a rename or merge rewrites. */
export function rowsOfItem(db: Queryable, spec: ListSpec, id: number): number {
  const query =
    spec.holding.kind === 'single'
      ? `select count(*) as n from users where ${spec.holding.column} = ?`
      : `select count(*) as n from ${spec.holding.table} where ref_id = ?`;
  return (prepared(db, query).get(id) as { n: number }).n;
}
