/**
 * Words for what goes wrong with storage, for the one line an operator reads at start-up and
 * for the page a person sees when a write fails. Both name the cause and what to do about it.
 */

/** A start-up failure of the data directory or a file in it, already worded as one line. */
export class StorageError extends Error {}

const FILE_CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'part of the path is a file, not a directory',
  ENOENT: 'it does not exist',
  EIO: 'the disk reported an input/output error',
};

/** "permission denied (EACCES)" for a failed file system call; its message for anything else. */
export function fileCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words = code ? FILE_CAUSES[code] : undefined;
  return words ? `${words} (${code})` : String((error as Error).message ?? error);
}

/** What a failed write of SQLite means for whoever uses Roster: no space, or no storage at all. */
export type WriteFault = 'full' | 'unavailable';

/** The fault a SQLite error stands for (extended codes such as SQLITE_IOERR_WRITE included). */
export function writeFaultOf(error: unknown): WriteFault | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL') return 'full';
  if (/^SQLITE_(IOERR|READONLY|CANTOPEN)(_|$)/.test(code)) return 'unavailable';
  return undefined;
}

/** "the disk is full (SQLITE_FULL)" for a SQLite storage error. */
export function databaseCause(error: unknown): string {
  const code = String((error as { code?: unknown }).code);
  if (code === 'SQLITE_FULL') return `the disk is full (${code})`;
  if (code.startsWith('SQLITE_READONLY')) return `the database is read-only (${code})`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `the database file cannot be opened (${code})`;
  return `the disk reported an error (${code})`;
}
