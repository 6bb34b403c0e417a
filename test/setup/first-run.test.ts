import t from 'tap';
import { users } from '../../src/db/schema.js';
import { buildApp } from '../../src/app.js';
import { addSuperuser, buildTestApp, Client, tempDir, testConfig } from '../helpers/app.js';

const GOOD = {
  username: 'ada',
  fullName: 'Ada Lovelace',
  email: 'ada@example.com',
  password: 'analytical engine 1843',
  passwordConfirmation: 'analytical engine 1843',
};

t.test('the one-time setup link creates the first superuser, then stops working', async (t) => {
  const app = await buildTestApp(t);
  const token = app.firstRun.setupToken!;
  t.ok(token && token.length >= 32, 'a long random token');
  const browser = new Client(app);

  t.match((await browser.get('/signin')).body, /no administrator yet/, 'sign-in explains what to do');
  t.equal((await browser.get('/setup')).statusCode, 404, 'no token, no form');
  t.equal((await browser.get('/setup?token=guess')).statusCode, 404, 'a wrong token, no form');
  const form = await browser.get(`/setup?token=${token}`);
  t.equal(form.statusCode, 200);
  t.match(form.body, /Create the first administrator/);

  const created = await browser.post('/setup', { token, ...GOOD });
  t.equal(created.statusCode, 302);
  t.equal(created.headers.location, '/signin');
  t.match((await browser.get('/signin')).body, /Roster is set up/);

  const rows = app.db.select().from(users).all();
  t.equal(rows.length, 1);
  t.match(rows[0], {
    username: 'ada',
    fullName: 'Ada Lovelace',
    firstName: 'Ada',
    lastName: 'Lovelace',
    adminRole: 'superuser',
    status: 'active',
  });
  t.match(rows[0]?.passwordHash, /^\$argon2id\$/);

  const again = await browser.get(`/setup?token=${token}`);
  t.equal(again.statusCode, 404, 'the link is spent');
  t.match(again.body, /This setup link is not valid/);
  const replay = await browser.post('/setup', { token, ...GOOD, username: 'mallory' });
  t.equal(replay.statusCode, 404, 'a replayed post is refused too');
  t.equal(app.db.select().from(users).all().length, 1, 'and creates nobody');

  const signedIn = await browser.signIn('ada', GOOD.password);
  t.equal(signedIn.headers.location, '/', 'the new superuser can sign in');
});

t.test('setup explains each problem beside its field and keeps what was typed', async (t) => {
  const app = await buildTestApp(t);
  const token = app.firstRun.setupToken!;
  const browser = new Client(app);
  await browser.get(`/setup?token=${token}`);
  const cases: [Partial<typeof GOOD>, RegExp][] = [
    [{ password: 'short', passwordConfirmation: 'short' }, /Use at least 12 characters/],
    [{ password: 'qwerty123456', passwordConfirmation: 'qwerty123456' }, /commonly used passwords/],
    [{ passwordConfirmation: 'something else entirely' }, /The two passwords do not match/],
    [{ username: '' }, /Enter a username/],
    [{ username: 'has space' }, /no spaces/],
    [{ email: 'not-an-email' }, /Enter an email address/],
  ];
  for (const [change, message] of cases) {
    const res = await browser.post('/setup', { token, ...GOOD, ...change });
    t.equal(res.statusCode, 422, JSON.stringify(change));
    t.match(res.body, message);
    t.match(res.body, /aria-invalid="true"/, 'the field is marked invalid');
    t.match(res.body, `value="${change.fullName ?? GOOD.fullName}"`, 'what was typed is kept');
    t.notMatch(res.body, /value="analytical engine/, 'passwords are never sent back');
  }
  t.equal(app.db.select().from(users).all().length, 0, 'nothing was created');
  t.ok(app.firstRun.isPending(), 'the link still works after mistakes');
});

t.test('input is escaped when shown again', async (t) => {
  const app = await buildTestApp(t);
  const token = app.firstRun.setupToken!;
  const browser = new Client(app);
  await browser.get(`/setup?token=${token}`);
  const res = await browser.post('/setup', { token, ...GOOD, fullName: '<script>alert(1)</script>', password: 'x' });
  t.equal(res.statusCode, 422);
  t.notMatch(res.body, /<script>alert/);
  t.match(res.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

t.test('after a restart with a superuser in the database there is no setup link', async (t) => {
  const config = testConfig(tempDir(t));
  const first = await buildApp(config);
  await addSuperuser(first);
  await first.close();
  const restarted = await buildApp(config);
  t.teardown(() => restarted.close());
  t.equal(restarted.firstRun.setupToken, null);
  t.equal((await restarted.inject('/setup?token=')).statusCode, 404);
  t.notMatch((await restarted.inject('/signin')).body, /no administrator yet/);
});

t.test('with several worker processes, setup done in one spends the shared token in all', async (t) => {
  const config = testConfig(tempDir(t));
  const token = 'the-same-token-for-every-worker-process';
  const one = await buildApp(config, { setupToken: token });
  const two = await buildApp(config, { setupToken: token });
  t.teardown(() => Promise.all([one.close(), two.close()]));
  t.equal((await two.inject(`/setup?token=${token}`)).statusCode, 200, 'both accept it at first');

  const browser = new Client(one);
  await browser.get(`/setup?token=${token}`);
  t.equal((await browser.post('/setup', { token, ...GOOD })).statusCode, 302);
  t.equal((await two.inject(`/setup?token=${token}`)).statusCode, 404, 'the other worker refuses it now');
  t.equal(two.firstRun.setupToken, null);
});
