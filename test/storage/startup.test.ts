import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/app.js';

/**
 * Starts the server the way an operator does and waits for it to stop on its own. A server
 * that is still running after the deadline failed the test: it should have refused to start.
 */
function startServer(
  t: Parameters<typeof tempDir>[0],
  env: Record<string, string>,
  asOtherUser = false,
): Promise<{ code: number | null; output: string }> {
  // Root may write anywhere: to meet a permission it cannot pass, run as an ordinary user.
  const user = asOtherUser && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  // The test runner follows child processes and records what each loaded into the project
  // folder, which that user may not write to: let it record in a folder of its own instead.
  const records = 'uid' in user ? { _TAPJS_PROCESSINFO_CWD_: writableByAll(t) } : {};
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...records, HOST: '127.0.0.1', PORT: '0', ...env },
    ...user,
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  child.stdout!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running instead of stopping:\n${output.slice(0, 2000)}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, output });
    });
  });
}

function writableByAll(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t);
  chmodSync(dir, 0o777);
  return dir;
}

/** A directory everyone may enter, for a test that runs the server as an ordinary user. */
function sharedDir(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  return dir;
}

t.test('a read-only data directory stops the start with one line naming it and the cause', async (t) => {
  const dataDir = path.join(sharedDir(t), 'data');
  mkdirSync(dataDir, { mode: 0o555 });
  chmodSync(dataDir, 0o555);
  const { code, output } = await startServer(t, { DATA_DIR: dataDir, WORKERS: '1' }, true);
  t.not(code, 0);
  t.equal(
    output.trim(),
    `Roster cannot write to ${dataDir}: permission denied (EACCES). Set DATA_DIR to a writable directory.`,
  );
});

t.test('a missing data directory that cannot be created is named the same way', async (t) => {
  const parent = path.join(sharedDir(t), 'locked');
  mkdirSync(parent, { mode: 0o555 });
  chmodSync(parent, 0o555);
  const dataDir = path.join(parent, 'data');
  const { code, output } = await startServer(t, { DATA_DIR: dataDir, WORKERS: '1' }, true);
  t.not(code, 0);
  t.equal(
    output.trim(),
    `Roster cannot write to ${dataDir}: permission denied (EACCES). Set DATA_DIR to a writable directory.`,
  );
});

t.test('an empty session secret left by a full disk stops every start with what to do', async (t) => {
  const dataDir = tempDir(t);
  const file = path.join(dataDir, 'session-secret');
  writeFileSync(file, '');
  const { code, output } = await startServer(t, { DATA_DIR: dataDir, WORKERS: '2' });
  t.not(code, 0);
  t.match(output.trim(), new RegExp(`^${file} holds no secret .*Delete the file and start Roster again`));
  t.notMatch(output.trim(), /\n/, 'one line');
});

t.test('when workers cannot start, the primary stops with an error instead of starting them again', async (t) => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const { port } = taken.address() as { port: number };
  const { code, output } = await startServer(t, { DATA_DIR: tempDir(t), WORKERS: '2', PORT: String(port) });
  t.not(code, 0);
  t.match(output, /EADDRINUSE/, 'the worker says why');
  t.match(output, /a worker failed while starting; Roster stops/);
  t.notMatch(output, /starting another/, 'no worker was started again');
});
