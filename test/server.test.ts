import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import t from 'tap';
import { tempDir } from './helpers/app.js';
import { start } from './helpers/cli.js';

/** PORT=0 would work but the logged URL would then say port 0, so ask the OS for a free one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

t.test('starts, answers, and stops cleanly on SIGTERM', async (t) => {
  const dataDir = tempDir(t);
  const port = await freePort();
  const child = start('src/server.ts', [], {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  // The setup link is logged right after the start-up line: wait for both.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
    const check = () => {
      if (log.includes('Roster is running') && log.includes('/setup?token=')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up:\n${log}`));
    });
  });

  t.match(log, `Roster is running at http://127.0.0.1:${port}`);
  t.match(log, new RegExp(`http://127\\.0\\.0\\.1:${port}/setup\\?token=[\\w-]+`));
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(health.status, 200);
  t.same(await health.json(), { status: 'ok' });

  t.ok(existsSync(path.join(dataDir, 'roster.db-wal')), 'the database is open in WAL mode while running');
  child.kill('SIGTERM');
  t.same(await exited, { code: 0, signal: null }, 'exits with code 0');
  t.notOk(existsSync(path.join(dataDir, 'roster.db-wal')), 'the WAL is gone: the database was closed cleanly');
});
