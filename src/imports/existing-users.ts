import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { allRows, prepared } from '../db/statements.js';
import { MEMBERSHIP_LISTS, MEMBERSHIPS, type Membership } from '../reference/reference-tables.js';
import { visibleTo } from '../access/scope.js';
import { displayNameText } from '../users/derived-fields.js';
import { personLabelText } from '../user/supervisor-label.js';
import type { Actor } from '../access/actor.js';

/**
 * The users an import touches, read in a handful of statements whatever the file's size: the
 * users its rows match, their memberships, and the people its supervisor column names. Nothing
 * is asked per row except whether a made-up username is free, through one prepared statement.
 */

/** A user as the import compares a row with them. */
export interface ExistingUser {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  fullName: string;
  signature: string;
  phone: string;
  extension: string;
  notes: string;
  userTypeId: number | null;
  roleId: number | null;
  territoryId: number | null;
  supervisorId: number | null;
  licenceType: string;
  status: string;
  /** The directory entry the user is linked to, if any. */
  directoryId: string | null;
  /** Inside the administrator's scope: only those may be updated. */
  visible: number;
  memberships: Record<Membership, number[]>;
}

const json = (values: Iterable<string>) => JSON.stringify([...values]);

/** The column each key is read from. */
const KEY_COLUMNS = { username: 'username', email: 'email', directoryId: 'directory_id' } as const;

/** Live users whose username, email or directory id is one of these, lower-cased, by that key. */
export function usersByKey(db: Queryable, actor: Actor, key: keyof typeof KEY_COLUMNS, values: Set<string>) {
  const column = sql.raw(KEY_COLUMNS[key]);
  const rows = allRows<Omit<ExistingUser, 'memberships'>>(
    db,
    sql`select id, username, email, first_name as firstName, last_name as lastName, full_name as fullName,
          signature, phone, extension, notes, user_type_id as userTypeId, role_id as roleId,
          territory_id as territoryId, supervisor_id as supervisorId, licence_type as licenceType, status,
          directory_id as directoryId, case when ${visibleTo(actor)} then 1 else 0 end as visible
        from users where deleted_at is null and lower(${column}) in (select value from json_each(${json(values)}))`,
  );
  const ids = JSON.stringify(rows.map((r) => r.id));
  const byId = new Map<number, ExistingUser>(
    rows.map((r) => [
      r.id,
      {
        ...r,
        memberships: Object.fromEntries(MEMBERSHIPS.map((m) => [m, []])) as unknown as ExistingUser['memberships'],
      },
    ]),
  );
  for (const list of MEMBERSHIPS) {
    const held = prepared(
      db,
      `select user_id as userId, ref_id as refId from ${MEMBERSHIP_LISTS[list].membership}
       where user_id in (select value from json_each(?)) order by ref_id`,
    ).all(ids) as { userId: number; refId: number }[];
    for (const { userId, refId } of held) byId.get(userId)!.memberships[list].push(refId);
  }
  const byKey = new Map<string, ExistingUser[]>();
  for (const user of byId.values()) {
    const k = (user[key] ?? '').toLowerCase();
    byKey.set(k, [...(byKey.get(k) ?? []), user]);
  }
  return byKey;
}

/** Someone a supervisor cell may name: their id and their name as the audit shows it. */
export interface Person {
  id: number;
  label: string;
}

/**
 * The visible users these supervisor references name, by each lower-cased reference: by
 * username or email first (both indexed), then by display name for what is left (a manager
 * DN's common name, or the name Roster's own export writes). A name may match several people.
 */
export function peopleNamed(db: Queryable, actor: Actor, references: Set<string>): Map<string, Person[]> {
  const found = new Map<string, Person[]>();
  if (references.size === 0) return found;
  const add = (key: string, person: Person) => {
    const list = found.get(key) ?? [];
    if (!list.some((p) => p.id === person.id)) found.set(key, [...list, person]);
  };
  const refs = json(references);
  const label = sql.raw(personLabelText('users'));
  for (const row of allRows<Person & { username: string; email: string }>(
    db,
    sql`select id, lower(username) as username, lower(email) as email, ${label} as label from users
        where ${visibleTo(actor)} and (lower(username) in (select value from json_each(${refs}))
          or lower(email) in (select value from json_each(${refs})))`,
  )) {
    if (references.has(row.username)) add(row.username, row);
    else add(row.email, row);
  }
  const left = [...references].filter((r) => !found.has(r));
  if (left.length === 0) return found;
  const name = sql.raw(`lower(${displayNameText('users')})`);
  for (const row of allRows<Person & { name: string }>(
    db,
    sql`select id, ${name} as name, ${label} as label from users
        where ${visibleTo(actor)} and ${name} in (select value from json_each(${json(left)}))`,
  ))
    add(row.name, row);
  return found;
}

/**
 * Whether a username is held by a live user. The file's own usernames (lower-cased) are looked
 * up together in one statement first: asking for each of 100,000 one by one took a quarter of
 * a second. Any other, a username made up from names, is asked alone, through one prepared
 * statement.
 */
export function usernameHeld(db: Queryable, fileUsernames = new Set<string>()): (username: string) => boolean {
  const statement = prepared(db, 'select 1 from users where lower(username) = ? and deleted_at is null').pluck();
  const heldInFile = new Set(
    fileUsernames.size === 0
      ? []
      : (prepared(
          db,
          `select lower(username) from users
           where deleted_at is null and lower(username) in (select value from json_each(?))`,
        )
          .pluck()
          .all(json(fileUsernames)) as string[]),
  );
  return (username) => {
    const name = username.toLowerCase();
    return fileUsernames.has(name) ? heldInFile.has(name) : statement.get(name) !== undefined;
  };
}

/** Users' names as the audit shows them ("Name · email · group"), by id. */
export function labelsOf(db: Queryable, ids: Iterable<number>): Map<number, string> {
  const rows = prepared(
    db,
    `select u.id, ${personLabelText('u')} as label from users u where u.id in (select value from json_each(?))`,
  ).all(JSON.stringify([...new Set(ids)])) as Person[];
  return new Map(rows.map((r) => [r.id, r.label]));
}
