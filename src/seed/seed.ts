import type { Db } from '../db/connection.js';
import { MEMBERSHIP_LISTS, REFERENCE_TABLES } from '../reference/reference-tables.js';
import {
  managerCount,
  REFERENCE_LISTS,
  type ReferenceIds,
  type ReferenceListName,
  seededRandom,
  syntheticUser,
} from './synthetic-users.js';

const CHUNK = 20_000;

export class SeedRefusedError extends Error {}

function ensureReferenceLists(db: Db): ReferenceIds {
  const sqlite = db.$client;
  const ids = {} as ReferenceIds;
  for (const [list, table] of Object.entries(REFERENCE_TABLES) as [ReferenceListName, string][]) {
    const insert = sqlite.prepare(`insert or ignore into ${table} (name) values (?)`);
    const find = sqlite.prepare(`select id from ${table} where name = ?`).pluck();
    ids[list] = REFERENCE_LISTS[list].map((name) => {
      insert.run(name);
      return find.get(name) as number;
    });
  }
  return ids;
}

/**
 * Bulk loading is an order of magnitude faster with the secondary indexes and the search
 * triggers out of the way: they are dropped here and rebuilt in one pass afterwards.
 */
function withoutIndexes(db: Db, load: () => void): void {
  const sqlite = db.$client;
  const saved = sqlite
    .prepare(
      `select type, name, sql from sqlite_master
       where sql is not null and ((type = 'index' and tbl_name in ('users', ${Object.values(MEMBERSHIP_LISTS)
         .map((l) => l.membership)
         .map((t) => `'${t}'`)
         .join(', ')}))
         or (type = 'trigger' and name like 'users_fts_%'))`,
    )
    .all() as { type: string; name: string; sql: string }[];
  for (const item of saved) sqlite.exec(`drop ${item.type} "${item.name}"`);
  try {
    load();
  } finally {
    for (const item of saved.filter((i) => i.type === 'index')) sqlite.exec(item.sql);
    sqlite.exec(`insert into users_fts(users_fts) values ('rebuild')`);
    for (const item of saved.filter((i) => i.type === 'trigger')) sqlite.exec(item.sql);
    sqlite.exec('pragma analysis_limit = 2000; analyze;');
  }
}

export interface SeedOptions {
  users: number;
  /** Remove the managed (non-administrator) users first. */
  replace: boolean;
  seed?: number;
  onProgress?: (done: number) => void;
}

/** Fills the database with synthetic managed users; administrators are left alone. */
export function seedUsers(db: Db, options: SeedOptions): void {
  const sqlite = db.$client;
  const existing = sqlite.prepare('select count(*) from users where admin_role is null').pluck().get() as number;
  if (existing > 0 && !options.replace) {
    throw new SeedRefusedError(`The database already holds ${existing} managed users; add --replace to start over.`);
  }
  const random = seededRandom(options.seed ?? 20261123);
  const now = Date.now();
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF');
  try {
    withoutIndexes(db, () => {
      if (existing > 0) {
        for (const { membership: table } of Object.values(MEMBERSHIP_LISTS)) {
          sqlite.exec(`delete from ${table} where user_id in (select id from users where admin_role is null)`);
        }
        sqlite.exec('update users set supervisor_id = null where admin_role is not null');
        sqlite.exec('delete from users where admin_role is null');
      }
      const ids = ensureReferenceLists(db);
      const base = (sqlite.prepare('select coalesce(max(id), 0) from users').pluck().get() as number) + 1000;
      const columns = Object.keys(syntheticUser(1, 1, ids, now, seededRandom(1), () => '').row);
      const insertUser = sqlite.prepare(
        `insert into users (id, ${columns.join(', ')}) values (?, ${columns.map(() => '?').join(', ')})`,
      );
      const insertMembership = Object.fromEntries(
        Object.entries(MEMBERSHIP_LISTS).map(([list, { membership }]) => [
          list,
          sqlite.prepare(`insert into ${membership} (user_id, ref_id) values (?, ?)`),
        ]),
      );
      const managerNames = new Map<number, string>();
      const managers = managerCount(options.users);
      for (let start = 1; start <= options.users; start += CHUNK) {
        sqlite.transaction(() => {
          for (let n = start; n < Math.min(start + CHUNK, options.users + 1); n++) {
            const user = syntheticUser(n, options.users, ids, now, random, (id) => managerNames.get(id) ?? '');
            if (n <= managers) managerNames.set(n, String(user.row.full_name));
            const row = {
              ...user.row,
              supervisor_id: user.row.supervisor_id === null ? null : base + Number(user.row.supervisor_id),
            };
            insertUser.run(base + n, ...Object.values(row));
            for (const [list, refIds] of Object.entries(user.memberships)) {
              for (const refId of refIds) insertMembership[list]!.run(base + n, refId);
            }
          }
        })();
        options.onProgress?.(Math.min(start + CHUNK - 1, options.users));
      }
    });
  } finally {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = FULL');
  }
}
