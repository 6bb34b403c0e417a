import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { prepareDataDir, writeFileAtomically } from './storage/data-dir.js';
import { fileCause, StorageError } from './storage/faults.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Where the SQLite file lives; ':memory:' is allowed for tests. */
  databaseFile: string;
  sessionSecret: string;
  logLevel: string;
  trustProxy: boolean;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** Failed sign-ins from one client address that pause sign-in to an account from that address… */
  lockoutThreshold: number;
  /** …and failed sign-ins from all addresses together that pause it from everywhere (distributed guessing). */
  lockoutAccountLimit: number;
  lockoutWindowMinutes: number;
  passwordMinLength: number;
  signinRateLimitPerMinute: number;
  /** Processes serving requests; each uses one core (SQLite's WAL lets them share the file). */
  workers: number;
  /** Days a deleted user stays in the trash, restorable, before the daily purge removes them. */
  trashDays: number;
  /** The most rows one import file may have, and the largest file accepted, in megabytes. */
  importMaxRows: number;
  importMaxMegabytes: number;
  /** Above this much memory of its own after a job, the job process is replaced by a fresh one. */
  jobProcessMegabytes: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, not "${env[name]}"`);
}

const MIN_SECRET_LENGTH = 32;

/**
 * The session secret signs cookies. When none is given it is generated once and kept in the
 * data directory, so sessions survive a restart without the operator having to invent one.
 * It is written whole or not at all; a file left empty or cut short (by an older version on a
 * full disk, or by hand) is refused with what to do, rather than failing deep in a library.
 */
function sessionSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  const given = env.SESSION_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters long`);
    }
    return given;
  }
  const file = path.join(dataDir, 'session-secret');
  const kept = readSecretFile(file);
  if (kept === undefined) {
    const secret = randomBytes(32).toString('base64url');
    writeFileAtomically(file, secret + '\n');
    return secret;
  }
  if (kept.length < MIN_SECRET_LENGTH) {
    throw new StorageError(
      `${file} holds ${kept.length === 0 ? 'no secret' : 'a secret that is too short'} (${kept.length} characters, ${MIN_SECRET_LENGTH} needed), perhaps cut off by a full disk. Delete the file and start Roster again to make a new one, or set SESSION_SECRET.`,
    );
  }
  return kept;
}

/** The kept secret, or undefined when there is none yet. */
function readSecretFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`Roster cannot read ${file}: ${fileCause(error)}.`);
  }
}

/**
 * Reads the environment into a typed configuration, creating the data directory if needed.
 * Throws ConfigError for a bad value and StorageError for a data directory Roster cannot use.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  prepareDataDir(dataDir);
  const logLevel = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${env.LOG_LEVEL}"`);
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || 'localhost',
    dataDir,
    databaseFile: path.join(dataDir, 'roster.db'),
    sessionSecret: sessionSecret(env, dataDir),
    logLevel,
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    sessionIdleMinutes: integer(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionMaxHours: integer(env, 'SESSION_MAX_HOURS', 12, 1, 24 * 30),
    lockoutThreshold: integer(env, 'LOCKOUT_THRESHOLD', 10, 1, 1000),
    lockoutAccountLimit: integer(env, 'LOCKOUT_ACCOUNT_LIMIT', 100, 1, 100_000),
    lockoutWindowMinutes: integer(env, 'LOCKOUT_WINDOW_MINUTES', 15, 1, 24 * 60),
    passwordMinLength: integer(env, 'PASSWORD_MIN_LENGTH', 12, 8, 128),
    signinRateLimitPerMinute: integer(env, 'SIGNIN_RATE_LIMIT', 20, 1, 10000),
    workers: integer(env, 'WORKERS', availableParallelism(), 1, 64),
    trashDays: integer(env, 'TRASH_DAYS', 30, 1, 3650),
    importMaxRows: integer(env, 'IMPORT_MAX_ROWS', 200_000, 1, 10_000_000),
    importMaxMegabytes: integer(env, 'IMPORT_MAX_MEGABYTES', 50, 1, 1024),
    jobProcessMegabytes: integer(env, 'JOB_PROCESS_MEGABYTES', 100, 1, 65536),
  };
}
