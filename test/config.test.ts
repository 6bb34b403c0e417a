import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';
import { StorageError } from '../src/storage/faults.js';
import { tempDir } from './helpers/app.js';

t.test('defaults', async (t) => {
  const dataDir = path.join(tempDir(t), 'nested', 'data');
  const config = loadConfig({ DATA_DIR: dataDir });
  t.match(config, {
    port: 3000,
    host: 'localhost',
    dataDir,
    databaseFile: path.join(dataDir, 'roster.db'),
    logLevel: 'info',
    trustProxy: false,
    sessionIdleMinutes: 30,
    sessionMaxHours: 12,
    lockoutThreshold: 10,
    lockoutAccountLimit: 100,
    lockoutWindowMinutes: 15,
    passwordMinLength: 12,
    signinRateLimitPerMinute: 20,
    workers: availableParallelism(),
  });
  t.ok(statSync(dataDir).isDirectory(), 'the data directory is created');
});

t.test('the session secret is generated once, kept private, and reused', async (t) => {
  const dataDir = tempDir(t);
  const first = loadConfig({ DATA_DIR: dataDir });
  t.ok(first.sessionSecret.length >= 32);
  const file = path.join(dataDir, 'session-secret');
  t.equal(readFileSync(file, 'utf8').trim(), first.sessionSecret);
  t.equal(statSync(file).mode & 0o777, 0o600, 'only the owner can read it');
  t.equal(loadConfig({ DATA_DIR: dataDir }).sessionSecret, first.sessionSecret, 'a restart keeps sessions valid');
  const given = 'x'.repeat(40);
  t.equal(loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: given }).sessionSecret, given);
});

t.test('values from the environment', async (t) => {
  const config = loadConfig({
    DATA_DIR: tempDir(t),
    PORT: '8080',
    HOST: '0.0.0.0',
    LOG_LEVEL: 'WARN',
    TRUST_PROXY: 'yes',
    SESSION_IDLE_MINUTES: '5',
    SESSION_MAX_HOURS: '1',
    LOCKOUT_THRESHOLD: '3',
    LOCKOUT_ACCOUNT_LIMIT: '30',
    LOCKOUT_WINDOW_MINUTES: '60',
    PASSWORD_MIN_LENGTH: '16',
    SIGNIN_RATE_LIMIT: '5',
    WORKERS: '3',
  });
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    logLevel: 'warn',
    trustProxy: true,
    sessionIdleMinutes: 5,
    sessionMaxHours: 1,
    lockoutThreshold: 3,
    lockoutAccountLimit: 30,
    lockoutWindowMinutes: 60,
    passwordMinLength: 16,
    signinRateLimitPerMinute: 5,
    workers: 3,
  });
});

t.test('bad values are refused with a message naming the variable', async (t) => {
  const dataDir = tempDir(t);
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /PORT must be a whole number from 0 to 65535, not "abc"/],
    [{ PORT: '70000' }, /PORT/],
    [{ SESSION_IDLE_MINUTES: '1.5' }, /SESSION_IDLE_MINUTES/],
    [{ PASSWORD_MIN_LENGTH: '4' }, /PASSWORD_MIN_LENGTH must be a whole number from 8/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY must be true or false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ WORKERS: '0' }, /WORKERS must be a whole number from 1 to 64/],
    [{ SESSION_SECRET: 'short' }, /SESSION_SECRET must be at least 32 characters/],
  ];
  for (const [env, message] of cases) {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir, ...env });
    } catch (err) {
      error = err;
    }
    t.type(error, ConfigError, JSON.stringify(env));
    t.match((error as Error).message, message);
  }
});

t.test('a session secret left empty or cut short is refused with the file named and what to do', async (t) => {
  const dataDir = tempDir(t);
  const file = path.join(dataDir, 'session-secret');
  for (const content of ['', 'abc\n']) {
    writeFileSync(file, content);
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir });
    } catch (err) {
      error = err;
    }
    t.type(error, StorageError, JSON.stringify(content));
    t.match((error as Error).message, `${file} holds`);
    t.match(
      (error as Error).message,
      /Delete the file and start Roster again to make a new one, or set SESSION_SECRET/,
    );
    t.notMatch((error as Error).message, /\n/, 'one line');
  }
});

t.test('the session secret is written whole: no temporary file is left beside it', async (t) => {
  const dataDir = tempDir(t);
  loadConfig({ DATA_DIR: dataDir });
  t.same(readdirSync(dataDir), ['session-secret']);
});

t.test('a data directory that cannot be created is named with the cause, in one line', async (t) => {
  const parent = tempDir(t);
  writeFileSync(path.join(parent, 'taken'), 'a file, not a directory');
  const dataDir = path.join(parent, 'taken', 'data');
  t.throws(() => loadConfig({ DATA_DIR: dataDir }), {
    message: `Roster cannot write to ${dataDir}: part of the path is a file, not a directory (ENOTDIR). Set DATA_DIR to a writable directory.`,
  });
});
