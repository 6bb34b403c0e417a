import { type DirectoryRow, entriesToRows } from './entries-to-rows.js';
import type { DirectoryConnection } from './directory-settings.js';
import { DirectoryError, searchUsers } from './ldap-client.js';
import { displayName } from '../users/derived-fields.js';

/** How many entries the test shows. */
export const SHOWN = 5;

export type ConnectionTest =
  | { ok: true; count: number; first: { name: string; username: string; email: string; problems: string[] }[] }
  | { ok: false; error: string };

function shownRow(row: DirectoryRow) {
  const v = row.values;
  const name = displayName({
    fullName: v.fullName ?? '',
    firstName: v.firstName ?? '',
    lastName: v.lastName ?? '',
    username: v.username ?? '',
  });
  // A manager outside the first few is no problem of theirs: only the entry's own problems show.
  const problems = row.errors.filter((e) => !e.startsWith('The manager'));
  return { name: name || row.line, username: v.username ?? '', email: v.email ?? '', problems };
}

/**
 * Connects with these settings and counts the entries the filter matches, keeping the first
 * few to show, so an administrator sees at once whether the settings find the right people.
 * Reads only; writes nothing.
 */
export async function testConnection(settings: DirectoryConnection): Promise<ConnectionTest> {
  let count = 0;
  const first: DirectoryRow[] = [];
  try {
    await searchUsers(settings, (page) => {
      count += page.length;
      if (first.length < SHOWN)
        first.push(...entriesToRows(page.slice(0, SHOWN - first.length), settings.attributeMap));
    });
  } catch (err) {
    if (err instanceof DirectoryError) return { ok: false, error: err.message };
    throw err;
  }
  return { ok: true, count, first: first.map(shownRow) };
}
