import t from 'tap';
import Database from 'better-sqlite3';
import { PassThrough } from 'node:stream';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';

t.test('an unknown address shows the 404 page inside the layout', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject('/no/such/page');
  t.equal(res.statusCode, 404);
  t.match(res.body, /<title>Page not found · Roster<\/title>/);
  t.match(res.body, /class="topbar"/, 'inside the shell');
});

t.test('an unexpected error shows a 500 page with a reference that is also in the log', async (t) => {
  const logs = new PassThrough();
  const lines: string[] = [];
  logs.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const app = await buildTestApp(t, { logLevel: 'error' }, logs);
  app.get('/boom', async () => {
    throw new Error('the disk is on fire');
  });
  await addSuperuser(app);

  const res = await app.inject('/boom');
  t.equal(res.statusCode, 500);
  t.match(res.body, /Something went wrong/);
  t.notMatch(res.body, /the disk is on fire/, 'internals are not shown to the browser');
  const reference = /Reference: <code>([^<]+)<\/code>/.exec(res.body)?.[1];
  t.ok(reference, 'a reference is shown');
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.err?.message === 'the disk is on fire');
  t.equal(logged?.reqId, reference, 'the same id is in the log next to the error');
});

t.test('a signed-in administrator sees the navigation on error pages too', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  t.match((await browser.get('/')).body, /aria-label="Main"/);
});

t.test('a write that waits too long for a bulk change says so, changes nothing, and works again after', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  await browser.get('/users/columns');
  await browser.post('/users/columns', { columns: 'username', order: 'username', back: '/users' });

  // Another connection holds the write lock, as a bulk job does while it commits.
  const job = new Database(app.config.databaseFile);
  t.teardown(() => job.close());
  job.exec('begin immediate');
  const refused = await browser.post('/users/columns', { reset: '1', back: '/users' });
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '5');
  t.match(refused.body, /Busy for a moment/);
  t.match(refused.body, /Nothing was changed: go back and try again in a few seconds/);
  job.exec('commit');

  const columns = () =>
    (app.db.$client.prepare('select list_columns from admin_preferences').pluck().get() as string | null) ?? 'default';
  t.equal(columns(), '["username"]', 'the choice is as it was');
  t.equal((await browser.post('/users/columns', { reset: '1', back: '/users' })).statusCode, 302, 'then it saves');
  t.equal(columns(), 'default');
});

t.test('a write refused by read-only or failing storage shows its own page, not the generic one', async (t) => {
  const app = await buildTestApp(t);
  for (const code of ['SQLITE_READONLY', 'SQLITE_IOERR_WRITE']) {
    app.get(`/storage/${code}`, async () => {
      throw Object.assign(new Error('attempt to write a readonly database'), { code });
    });
  }
  await addSuperuser(app);
  for (const code of ['SQLITE_READONLY', 'SQLITE_IOERR_WRITE']) {
    const res = await app.inject(`/storage/${code}`);
    t.equal(res.statusCode, 503, code);
    t.match(res.body, /<title>Cannot save · Roster<\/title>/);
    t.match(res.body, /Roster cannot write to its storage right now; nothing was saved/);
    t.notMatch(res.body, /readonly database|SQLITE/, 'no internals');
  }
});
