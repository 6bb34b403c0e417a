import type { Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import type { ImportChoices } from '../imports/choices.js';

/**
 * The choices of the last import from the directory, and who made them: the next import starts
 * from them, and the sync makes new users the same way, on that superuser's authority.
 */
export interface DirectoryImportChoices extends Omit<ImportChoices, 'mapping'> {
  by: number;
}

const KEY = 'directory.import.choices';

export function keptImportChoices(db: Queryable): DirectoryImportChoices | undefined {
  const row = prepared(db, 'select value from settings where key = ?').get(KEY) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as DirectoryImportChoices) : undefined;
}

export function keepImportChoices(db: Queryable, choices: ImportChoices, by: number, now = Date.now()): void {
  const { mapping: _mapping, ...kept } = choices;
  prepared(
    db,
    `insert into settings (key, value, updated_at, updated_by) values (?, ?, ?, ?)
     on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at,
       updated_by = excluded.updated_by`,
  ).run(KEY, JSON.stringify({ ...kept, by } satisfies DirectoryImportChoices), now, by);
}
