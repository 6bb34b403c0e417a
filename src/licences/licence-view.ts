import type { ColumnKey } from '../list/columns.js';
import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import { referenceLists } from '../reference/reference-lists.js';
import { seatBars } from './seat-bars.js';

/** The columns a licence view row reads (see views/licences/_row.eta). */
export const LICENCE_ROW_COLUMNS: readonly ColumnKey[] = ['name', 'status', 'email', 'licence', 'addons'];

/** What a row's form carries besides what the list shows: the version it was read at, the add-ons ticked. */
export interface LicenceRowState {
  version: number;
  addonIds: number[];
}

export function licenceRowStates(db: Queryable, ids: number[]): Record<number, LicenceRowState> {
  const rows = prepared(
    db,
    `select u.id, u.version, (select json_group_array(ref_id) from user_addons where user_id = u.id) as addons
     from users u where u.id in (select value from json_each(?))`,
  ).all(JSON.stringify(ids)) as { id: number; version: number; addons: string }[];
  return Object.fromEntries(
    rows.map((r) => [r.id, { version: r.version, addonIds: JSON.parse(r.addons) as number[] }]),
  );
}

/** What the users list adds for its licence view: the bars above the table, and each row's form state. */
export function licenceViewData(db: Queryable, ids: number[]) {
  return { bars: seatBars(db), addons: referenceLists(db).addons.options, states: licenceRowStates(db, ids) };
}
