import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

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

/**
 * The session secret signs cookies. When none is given it is generated once and kept in the
 * data directory, so sessions survive a restart without the operator having to invent one.
 */
function sessionSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  const given = env.SESSION_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < 32) throw new ConfigError('SESSION_SECRET must be at least 32 characters long');
    return given;
  }
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** Reads the environment into a typed configuration, creating the data directory if needed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  mkdirSync(dataDir, { recursive: true });
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
  };
}
