import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import t from 'tap';
import { migrateDatabase, openDatabase } from '../src/db/connection.js';
import { createFirstSuperuser } from '../src/setup/first-admin.js';
import { ADMIN_PASSWORD, tempDir } from './helpers/app.js';
import { start } from './helpers/cli.js';
import { addUser } from './helpers/directory.js';
import { childrenOf, jobProcessesOf } from './helpers/processes.js';

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

/** Signs in through the form over HTTP and returns the Cookie header to send from then on. */
async function signIn(baseUrl: string): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(';')[0]!;
      cookies.set(pair.slice(0, pair.indexOf('=')), pair);
    }
  };
  const cookie = () => [...cookies.values()].join('; ');
  const form = await fetch(`${baseUrl}/signin`);
  keep(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const signedIn = await fetch(`${baseUrl}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, username: 'admin', password: ADMIN_PASSWORD }).toString(),
  });
  keep(signedIn);
  if (signedIn.status !== 302) throw new Error(`sign-in answered ${signedIn.status}`);
  return cookie();
}

t.test('with two workers, jobs started through either run in the one job process the primary keeps', async (t) => {
  const dataDir = tempDir(t);
  const db = openDatabase(path.join(dataDir, 'roster.db'));
  migrateDatabase(db);
  await createFirstSuperuser(db, {
    username: 'admin',
    fullName: 'Ada Admin',
    email: 'admin@example.com',
    password: ADMIN_PASSWORD,
    passwordConfirmation: ADMIN_PASSWORD,
  });
  const ann = addUser(db, { username: 'ann', firstName: 'Ann', lastName: 'Öberg' });
  db.$client.close();

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = start('src/server.ts', [], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', WORKERS: '2' });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  for (let waited = 0; !log.includes('Roster is running'); waited += 100) {
    if (waited > 30_000 || child.exitCode !== null) throw new Error(`server did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cookie = await signIn(baseUrl);

  /** Blocks or unblocks Ann through the selection bar, and reads the job's page once it is done. */
  async function bulk(action: string): Promise<string> {
    const page = await fetch(`${baseUrl}/users`, { headers: { cookie, connection: 'close' } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const started = await fetch(`${baseUrl}/users/bulk/apply`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, connection: 'close', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, action, id: String(ann.id) }).toString(),
    });
    t.equal(started.status, 303, `${action}: a job started`);
    const jobUrl = started.headers.get('location')!;
    let summary = '';
    for (let tries = 0; tries < 200; tries++) {
      summary = await (await fetch(baseUrl + jobUrl, { headers: { cookie, connection: 'close' } })).text();
      if (!summary.includes('hx-trigger="load delay:500ms"')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return summary;
  }

  // The workers take connections in turn: six jobs, each on a new connection, reach both.
  for (const action of ['block', 'unblock', 'block', 'unblock', 'block', 'unblock']) {
    t.match(await bulk(action), /<dt>Changed<\/dt><dd>1<\/dd>/, `${action}: done, with Ann changed`);
  }

  const children = childrenOf(child.pid!);
  const workers = children.filter((c) => c.command.includes('src/server.ts'));
  const jobProcesses = jobProcessesOf(child.pid!);
  t.equal(workers.length, 2, 'two workers serve pages');
  t.equal(jobProcesses.length, 1, 'one job process, the primary’s');
  for (const worker of workers) t.same(childrenOf(worker.pid), [], 'a worker starts no job process of its own');

  // The job process ends unexpectedly: the primary starts another for the next job.
  const [lost] = jobProcesses;
  process.kill(lost!.pid, 'SIGKILL');
  // Once the primary has seen it end (it is gone from the primary's children); a job sent
  // before that goes to the ended process and fails in words, which the job tests cover.
  for (let tries = 0; childrenOf(child.pid!).some((c) => c.pid === lost!.pid); tries++) {
    if (tries > 200) throw new Error('the killed job process was not seen to end');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  t.match(await bulk('block'), /<dt>Changed<\/dt><dd>1<\/dd>/, 'the next job runs in a new job process');
  const [replacement] = jobProcessesOf(child.pid!);
  t.ok(replacement && replacement.pid !== lost!.pid, 'another process, the primary’s');

  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly, the job process with it');
  t.same(childrenOf(child.pid!), [], 'nothing left running');
});
