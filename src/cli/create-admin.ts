import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { migrateDatabase, openDatabase } from '../db/connection.js';
import {
  createFirstSuperuser,
  type FirstAdminInput,
  readFirstAdminInput,
  SetupAlreadyDoneError,
  validateFirstAdmin,
} from '../setup/first-admin.js';
import { superuserExists } from '../access/actor.js';
import { passwordProblem } from '../auth/passwords.js';
import { NoSuchUserError, recoverSuperuser } from '../setup/recover-superuser.js';
import type { Db } from '../db/connection.js';
import type { Config } from '../config.js';

const USAGE = [
  'Usage: npm run create-admin -- --username NAME [--email E] [--full-name "F L"]',
  '       npm run create-admin -- --reset USERNAME   (a new password for a superuser who cannot sign in)',
].join('\n');

const LABELS: Record<keyof FirstAdminInput, string> = {
  username: 'Username (--username)',
  fullName: 'Full name (--full-name)',
  email: 'Email (--email)',
  password: 'Password',
  passwordConfirmation: 'Password confirmation',
};

/**
 * Asks twice without echo. Readline echoes keystrokes to its output, so it gets a stream that
 * swallows them; the prompts themselves go straight to stdout.
 */
async function promptPassword(): Promise<[string, string]> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  // In raw mode Ctrl-C reaches readline rather than the process: honour it.
  rl.on('SIGINT', () => {
    process.stdout.write('\n');
    process.exit(130);
  });
  try {
    process.stdout.write('Password: ');
    const password = await rl.question('');
    process.stdout.write('\nRepeat the password: ');
    const confirmation = await rl.question('');
    process.stdout.write('\n');
    return [password, confirmation];
  } finally {
    rl.close();
  }
}

/** Scripts pipe the password in: the first line is both the password and its confirmation. */
async function readPasswordLine(): Promise<[string, string]> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let password = '';
  for await (const line of rl) {
    password = line;
    break;
  }
  rl.close();
  return [password, password];
}

const readPassword = () => (process.stdin.isTTY ? promptPassword() : readPasswordLine());

/**
 * --reset USERNAME: whoever holds the server's shell may take the console back when every
 * superuser is locked out or has lost their password (see setup/recover-superuser.ts).
 */
async function reset(db: Db, config: Config, username: string): Promise<number> {
  const [password, confirmation] = await readPassword();
  const problem = passwordProblem(password, { minLength: config.passwordMinLength }, username);
  const mismatch = !problem && password !== confirmation ? 'The two passwords do not match.' : null;
  if (problem || mismatch) {
    console.error(`Password: ${problem ?? mismatch}`);
    return 1;
  }
  const { user, sessionsEnded } = await recoverSuperuser(db, username, password);
  console.log(
    `${user.username} is an active superuser with the new password; ${sessionsEnded} session(s) ended. ` +
      `Sign in at http://localhost:${config.port}/signin`,
  );
  return 0;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        username: { type: 'string' },
        email: { type: 'string' },
        'full-name': { type: 'string' },
        reset: { type: 'string' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 1;
  }

  const config = loadConfig();
  const db = openDatabase(config.databaseFile);
  try {
    migrateDatabase(db);
    if (values.reset !== undefined) return await reset(db, config, values.reset);
    // Checked before asking for a password nobody will use; createFirstSuperuser checks again.
    if (superuserExists(db)) throw new SetupAlreadyDoneError();

    const [password, passwordConfirmation] = await readPassword();
    const input = readFirstAdminInput({
      username: values.username,
      fullName: values['full-name'],
      email: values.email,
      password,
      passwordConfirmation,
    });
    const errors = validateFirstAdmin(input, { minLength: config.passwordMinLength });
    const problems = Object.entries(errors) as [keyof FirstAdminInput, string][];
    if (problems.length > 0) {
      for (const [field, message] of problems) console.error(`${LABELS[field]}: ${message}`);
      if (errors.username) console.error(USAGE);
      return 1;
    }

    const admin = await createFirstSuperuser(db, input);
    console.log(`Superuser ${admin.username} created. Sign in at http://localhost:${config.port}/signin`);
    return 0;
  } catch (err) {
    if (!(err instanceof SetupAlreadyDoneError) && !(err instanceof NoSuchUserError)) throw err;
    console.error(err.message);
    return 1;
  } finally {
    db.$client.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
    process.exitCode = 1;
  },
);
