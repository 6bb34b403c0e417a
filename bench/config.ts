import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Credentials {
  username: string;
  password: string;
}

export interface BenchOptions {
  repoRoot: string;
  dataDir: string;
  users: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  credentials: Credentials;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number, not "${raw}"`);
  }
  return value;
}

/**
 * The bench signs in with an account of its own, so it never needs to know anyone's real
 * password; BENCH_USERNAME and BENCH_PASSWORD point it at an existing account instead.
 */
export function benchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return {
    repoRoot: REPO_ROOT,
    dataDir: path.resolve(REPO_ROOT, env.BENCH_DATA_DIR || 'bench/.data'),
    users: positive(env, 'BENCH_USERS', 1_000_000, true),
    seconds: positive(env, 'BENCH_SECONDS', 10, false),
    warmupSeconds: 2,
    connections: 10,
    credentials: {
      username: env.BENCH_USERNAME || 'bench',
      password: env.BENCH_PASSWORD || 'load-test-passphrase-2026',
    },
  };
}
