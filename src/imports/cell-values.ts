import type { ImportRow } from './read-csv.js';

/**
 * How the values of a row read, whichever system wrote them: a status in Roster's words, in
 * Google Workspace's ("Suspended"), in PowerShell's (Enabled True/False), in Entra's ("Block
 * sign in" Yes/No) or as Active Directory's userAccountControl flags. Pure functions, no data.
 */

/** userAccountControl's ACCOUNTDISABLE flag. */
const ACCOUNT_DISABLED = 0x2;

const YES = ['true', 'yes', '1', 'y'];
const NO = ['false', 'no', '0', 'n'];

const ACTIVE_WORDS = ['active', 'enabled', ...YES];
const INACTIVE_WORDS = ['inactive', 'disabled', 'suspended', 'archived', ...NO];
/** Access states an export shows in Status: not a status to import, so the user keeps theirs. */
const ACCESS_WORDS = ['blocked', 'locked'];

/** A status to set, none to leave it as it is (or the default for a new user), or why the value cannot be read. */
export type StatusReading =
  | { status?: 'active' | 'inactive' }
  | { problem: { column: 'status' | 'enabled' | 'signInBlocked' | 'accountControl'; message: string } };

/** The status a row gives, from whichever of its columns says one. */
export function statusOf(cells: ImportRow['cells']): StatusReading {
  const control = cells.accountControl?.trim();
  if (control) {
    const flags = Number(control.startsWith('0x') ? parseInt(control, 16) : control);
    if (!Number.isInteger(flags) || flags < 0)
      return { problem: { column: 'accountControl', message: `“${control}” is not a userAccountControl number.` } };
    return { status: flags & ACCOUNT_DISABLED ? 'inactive' : 'active' };
  }
  const yesNo = (
    column: 'enabled' | 'signInBlocked',
    yes: 'active' | 'inactive',
    no: 'active' | 'inactive',
  ): StatusReading | undefined => {
    const value = cells[column]?.trim().toLowerCase();
    if (!value) return undefined;
    if (YES.includes(value)) return { status: yes };
    if (NO.includes(value)) return { status: no };
    return { problem: { column, message: `“${cells[column]}” is neither yes nor no (or True or False).` } };
  };
  const said = yesNo('enabled', 'active', 'inactive') ?? yesNo('signInBlocked', 'inactive', 'active');
  if (said) return said;
  const word = cells.status?.trim().toLowerCase();
  if (!word || ACCESS_WORDS.includes(word)) return {};
  if (ACTIVE_WORDS.includes(word)) return { status: 'active' };
  if (INACTIVE_WORDS.includes(word)) return { status: 'inactive' };
  return { problem: { column: 'status', message: `Unknown status “${cells.status}”: use active, inactive.` } };
}

/** A list cell: names separated by semicolons or commas, each once. */
export const splitNames = (cell: string) => [
  ...new Set(
    cell
      .split(/[;,]/)
      .map((n) => n.trim())
      .filter(Boolean),
  ),
];

/**
 * The common name of a distinguished name, "CN=Holm\, Åsa,OU=Sales,DC=corp" → "Holm, Åsa";
 * undefined when the value is not a DN. Escaped characters (\, or \2C) are read as themselves.
 */
export function commonNameOf(value: string): string | undefined {
  const match = /^\s*cn=((?:\\.|[^,\\])*)/i.exec(value);
  if (!match || !/,\s*(ou|dc|cn|o)=/i.test(value.slice(match[0].length))) return undefined;
  return match[1]!
    .replace(/\\([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\(.)/g, '$1')
    .trim();
}
