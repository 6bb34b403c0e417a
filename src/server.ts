import cluster from 'node:cluster';
import pino from 'pino';
import { jobFiles } from './job-files.js';
import { relayJobs } from './jobs/relay.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { migrateDatabase, openDatabase } from './db/connection.js';
import { newSetupToken } from './setup/first-run.js';
import { superuserExists } from './access/actor.js';
import { databaseCause, fileCause, StorageError, writeFaultOf } from './storage/faults.js';

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
  // Loaded here, in the serving process only: the primary needs none of the application.
  const { buildApp } = await import('./app.js');
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
  // Every serving process looks for a due directory sync; its claim lets one run it (directory/sync-claim.ts).
  app.directory.sync.start();
  // Due broadcasts too, from the same processes; a claim sends each once (broadcasts/sending.ts).
  app.broadcasts.sender.start();
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
  // Workers that have started listening; one that stops before then fails again if replaced.
  const started = new Set<number>();
  const fork = () => cluster.fork({ [SETUP_TOKEN]: token ?? '' });
  const jobs = relayJobs(jobFiles(config), log);
  const stopAll = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // The job process goes last: a worker finishing its requests may still start a job.
    const exitWhenAlone = async () => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      await jobs.close();
      process.exit(exitCode);
    };
    cluster.on('exit', exitWhenAlone);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    exitWhenAlone();
  };
  cluster.on('message', (worker, message) => {
    if (message !== 'listening') return;
    started.add(worker.id);
    if (++listening === config.workers) {
      jobs.warm();
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
    if (!started.has(worker.id)) {
      // Whatever stopped it (a port in use, a data directory it cannot write) stops its
      // replacement too: stop, so a supervisor sees the failure, instead of forking forever.
      log.fatal({ pid: worker.process.pid, code, signal }, 'a worker failed while starting; Roster stops');
      stopAll(1);
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker stopped; starting another');
    fork();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stopAll(0));
  for (let i = 0; i < config.workers; i++) fork();
}

/**
 * The one line an operator reads when Roster cannot start. A stack trace is shown only for the
 * unexpected: a bad setting or storage Roster cannot use is named with its cause instead.
 */
function startupFailure(error: unknown, dataDir: string | undefined): unknown {
  if (error instanceof ConfigError) return `Configuration error: ${error.message}`;
  if (error instanceof StorageError) return error.message;
  if (writeFaultOf(error) && dataDir) {
    return `Roster cannot write its database in ${dataDir}: ${databaseCause(error)}. Free some space, or set DATA_DIR to a writable directory.`;
  }
  const { code, path } = error as NodeJS.ErrnoException;
  if (code && path) return `Roster cannot use ${path}: ${fileCause(error)}.`;
  return error;
}

let dataDir: string | undefined;

async function main() {
  const config = loadConfig();
  dataDir = config.dataDir;
  if (cluster.isWorker) await serve(config, process.env[SETUP_TOKEN] || null);
  else if (config.workers > 1) primary(config);
  else await serve(config, undefined);
}

main().catch((err) => {
  console.error(startupFailure(err, dataDir));
  process.exit(1);
});
