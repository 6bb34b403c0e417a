import { activeAdministrator } from '../access/actor.js';
import { isSuperuser, mayImport } from '../access/policy.js';
import type { Queryable } from '../db/connection.js';
import { checkRows, usernamesFingerprint } from '../imports/check-rows.js';
import type { ImportChoices } from '../imports/choices.js';
import type { ImportRow } from '../imports/read-csv.js';
import { writeImport } from '../imports/write-import.js';
import { JobRefusedError } from '../jobs/refused.js';
import { displayName } from '../users/derived-fields.js';
import type { AttributeMap } from './attribute-map.js';
import type { DirectoryRow } from './entries-to-rows.js';
import { keptImportChoices } from './import-choices.js';
import { directoryMapping, importRowsOf } from './import-rows.js';

/** What creating the new entries' users came to: counts, the entries left out and why. */
export interface CreateOutcome {
  created: number;
  /** Roster users found by username (as the last import chose) and linked to their entry. */
  linked: number;
  problems: { line: string; errors: string[] }[];
  /** Why no entry was created at all, when none could be. */
  notCreated?: string;
}

/** The check drops a failing entry; the rows naming it as manager fail in turn, a few rounds at most. */
const ROUNDS = 5;

/**
 * The sync's new users. Entries no Roster user is linked to yet go through the import's own
 * check and write, in "create and update" mode (found by their directory id, then by username or
 * email as the last import from the directory chose), with that import's user type and list
 * choices, on the authority of the superuser who made it. Unlike the import, the sync writes the
 * entries that pass and reports the others: one bad entry must not hold back every later run.
 * Runs inside the sync's transaction, after the updates, so a renamed manager is found by their
 * new username.
 */
export function createNewUsers(
  tx: Queryable,
  rows: readonly DirectoryRow[],
  map: AttributeMap,
  requestId: string,
  now: Date,
): CreateOutcome {
  const outcome: CreateOutcome = { created: 0, linked: 0, problems: [] };
  if (rows.length === 0) return outcome;
  const kept = keptImportChoices(tx);
  if (!kept) return { ...outcome, notCreated: 'Import from the directory once to choose how new users are made.' };
  const actor = activeAdministrator(tx, kept.by);
  if (!actor || !isSuperuser(actor) || !mayImport(actor))
    return {
      ...outcome,
      notCreated: `${actor ? displayName(actor) : 'The superuser'} who chose how new users are made may no longer import users. Import from the directory again to choose anew.`,
    };
  const choices: ImportChoices = {
    mapping: directoryMapping(map),
    mode: 'both',
    matchOn: kept.matchOn,
    defaultUserTypeId: kept.defaultUserTypeId,
    createMissing: kept.createMissing,
  };

  let candidates: ImportRow[] = importRowsOf(rows, map);
  for (let round = 0; candidates.length > 0; round++) {
    const check = checkRows(tx, actor, candidates, choices);
    const failing = check.rows.filter((row) => row.action === 'error');
    if (failing.length === 0) {
      try {
        const written = writeImport(
          tx,
          actor,
          candidates,
          choices,
          usernamesFingerprint(check.rows),
          requestId,
          () => undefined,
          now,
        );
        return { ...outcome, created: written.created, linked: written.updated };
      } catch (err) {
        if (!(err instanceof JobRefusedError)) throw err;
        return { ...outcome, problems: [...outcome.problems, { line: 'New users', errors: [err.message] }] };
      }
    }
    for (const row of failing)
      outcome.problems.push({
        line: row.cells.distinguishedName ?? row.username,
        errors: row.problems.map((p) => p.message),
      });
    const dropped = new Set(failing.map((row) => row.line));
    candidates = round + 1 >= ROUNDS ? [] : candidates.filter((row) => !dropped.has(row.line));
  }
  return outcome;
}
