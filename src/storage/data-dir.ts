import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fileCause, StorageError } from './faults.js';

const SET_DATA_DIR = 'Set DATA_DIR to a writable directory.';

/**
 * Makes sure Roster can keep its files in `dir`, creating it when its parent allows. Fails with
 * one line naming the directory and the cause, rather than a stack trace from deep inside a
 * library the first time something is written there.
 */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StorageError(`Roster cannot write to ${dir}: ${fileCause(error)}. ${SET_DATA_DIR}`);
  }
}

/**
 * Creates `file` readable by its owner only, if it does not exist yet. SQLite gives a database's
 * write-ahead log and shared-memory files the database file's own mode, so those follow.
 */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
}

/**
 * Writes a file whole or not at all: the content goes to a temporary file in the same
 * directory, reaches the disk, and only then takes the file's name. A disk that fills
 * meanwhile leaves the old file (or none), never an empty or cut-off one.
 */
export function writeFileAtomically(file: string, content: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new StorageError(`Roster cannot write ${file}: ${fileCause(error)}. ${SET_DATA_DIR}`);
  }
  syncDirectory(path.dirname(file));
}

/** Makes the rename itself durable; not every file system lets a directory be synced. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // The content is safe either way; at worst a power cut now brings back the old name.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
