import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { migrateDatabase, openDatabase } from '../db/connection.js';
import { SeedRefusedError, seedUsers } from '../seed/seed.js';

/** npm run seed -- --users N [--replace]: fills the database with N synthetic users. */
const { values } = parseArgs({
  options: { users: { type: 'string', default: '10000' }, replace: { type: 'boolean', default: false } },
});
const count = Number(values.users);
if (!Number.isInteger(count) || count < 1 || count > 10_000_000) {
  console.error('--users must be a whole number from 1 to 10,000,000');
  process.exit(1);
}

const config = loadConfig();
const db = openDatabase(config.databaseFile);
migrateDatabase(db);
const started = Date.now();
try {
  seedUsers(db, {
    users: count,
    replace: values.replace,
    onProgress: (done) => process.stdout.write(`\r${done.toLocaleString('en')} of ${count.toLocaleString('en')} users`),
  });
  process.stdout.write('\n');
  console.log(
    `Seeded ${count.toLocaleString('en')} users into ${config.databaseFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (err) {
  if (!(err instanceof SeedRefusedError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
} finally {
  db.$client.close();
}
