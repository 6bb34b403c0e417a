import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** Starts Roster: read the configuration, build the app, listen, and stop cleanly on a signal. */
async function main() {
  const config = loadConfig();
  const app = await buildApp(config);

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
  const shown = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
  app.log.info(`Roster is running at ${shown} (database ${config.databaseFile})`);
  const token = app.firstRun.setupToken;
  if (token) {
    app.log.warn(`No administrator yet. Create the first one at ${shown}/setup?token=${token}`);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
