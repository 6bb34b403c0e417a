import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/connection.js';

const USAGE = 'Usage: npm run backup -- FILE';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function main(): number {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ allowPositionals: true, options: {} }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (positionals.length !== 1) {
    console.error(`Give exactly one file to write the backup to.\n${USAGE}`);
    return 1;
  }
  const target = path.resolve(positionals[0] as string);
  // Never overwrite: the file may be an older backup someone still needs.
  if (existsSync(target)) {
    console.error(`${target} already exists; choose a new file name.`);
    return 1;
  }
  if (!existsSync(path.dirname(target))) {
    console.error(`The folder ${path.dirname(target)} does not exist.`);
    return 1;
  }

  const config = loadConfig();
  // Opening a missing file would create an empty database and back that up instead.
  if (!existsSync(config.databaseFile)) {
    console.error(`There is no database at ${config.databaseFile}; check DATA_DIR.`);
    return 1;
  }
  const db = openDatabase(config.databaseFile);
  try {
    // A read transaction of its own: a consistent snapshot even while the server keeps writing,
    // including what is still only in the WAL.
    db.$client.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.$client.close();
  }
  console.log(`Backup written to ${target} (${size(statSync(target).size)})`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(
    err instanceof ConfigError ? `Configuration error: ${err.message}` : `Backup failed: ${(err as Error).message}`,
  );
  process.exitCode = 1;
}
