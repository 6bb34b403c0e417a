import cluster from 'node:cluster';
import pino from 'pino';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { migrateDatabase, openDatabase } from './db/connection.js';
import { newSetupToken } from './setup/first-run.js';
import { superuserExists } from './access/actor.js';

/**
 * Starts Roster. Node runs JavaScript on one core, so the primary process forks one worker per
 * core (WORKERS), all listening on the same port and sharing the SQLite file. The primary
 * migrates the database first, so workers never race to do it, and makes the one setup token
 * they all accept. With WORKERS=1 the server runs in this process.
 */

const SETUP_TOKEN = 'ROSTER_SETUP_TOKEN';

function publicUrl(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host}:${config.port}`;
}

function announce(
  config: Config,
  log: (message: string) => void,
  warn: (message: string) => void,
  token: string | null,
) {
  log(
    `Roster is running at ${publicUrl(config)} (database ${config.databaseFile}, ${config.workers} worker${config.workers === 1 ? '' : 's'})`,
  );
  if (token) warn(`No administrator yet. Create the first one at ${publicUrl(config)}/setup?token=${token}`);
}

/** Serves requests until SIGTERM or SIGINT, then finishes those in flight and closes the database. */
async function serve(config: Config, setupToken: string | null | undefined): Promise<void> {
  const app = await buildApp(config, { setupToken });
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, async () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'finishing requests in flight, then stopping');
      await app.close();
      process.exit(0);
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.jobs.runner.warm();
  // Every serving process sends queued mail; claims keep them from sending one twice (mail/sender.ts).
  app.mail.sender.start();
  if (cluster.isPrimary)
    announce(
      config,
      (m) => app.log.info(m),
      (m) => app.log.warn(m),
      app.firstRun.setupToken,
    );
  else process.send?.('listening');
}

function primary(config: Config): void {
  const log = pino({ level: config.logLevel });
  const db = openDatabase(config.databaseFile);
  migrateDatabase(db);
  const token = superuserExists(db) ? null : newSetupToken();
  db.$client.close();

  let stopping = false;
  let listening = 0;
  const fork = () => cluster.fork({ [SETUP_TOKEN]: token ?? '' });
  cluster.on('message', (_worker, message) => {
    if (message === 'listening' && ++listening === config.workers) {
      announce(
        config,
        (m) => log.info(m),
        (m) => log.warn(m),
        token,
      );
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'worker stopped; starting another');
    fork();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
    });
  }
  for (let i = 0; i < config.workers; i++) fork();
}

async function main() {
  const config = loadConfig();
  if (cluster.isWorker) await serve(config, process.env[SETUP_TOKEN] || null);
  else if (config.workers > 1) primary(config);
  else await serve(config, undefined);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
