import t from 'tap';
import { sql } from 'drizzle-orm';
import { ADMIN_PASSWORD, addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { fillTheDisk } from '../helpers/full-disk.js';

const DISK_FULL = /The disk is full; nothing was saved/;
const userCount = (app: Awaited<ReturnType<typeof buildTestApp>>) =>
  app.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;

t.test('a visitor on a full disk still reads the sign-in page; signing in says the disk is full', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const free = fillTheDisk(app);
  const visitor = new Client(app);

  const page = await visitor.get('/signin');
  t.equal(page.statusCode, 200, 'an anonymous visit writes nothing, so a full disk does not stop it');
  t.match(page.body, /Sign in to Roster/);

  const signIn = await visitor.post('/signin', { username: 'admin', password: ADMIN_PASSWORD });
  t.equal(signIn.statusCode, 507, 'Insufficient Storage: a sign-in must write its session');
  t.match(signIn.headers['content-type'], /text\/html/);
  t.match(signIn.body, /<title>Disk full · Roster<\/title>/);
  t.match(signIn.body, DISK_FULL);
  t.notMatch(signIn.body, /SQLITE_FULL/, 'no internals');

  free();
  const signedIn = await visitor.signIn();
  t.equal(signedIn.statusCode, 302, 'with space again, signing in works');
});

t.test('a change that does not fit on the disk says so, saves nothing, and succeeds once there is room', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const admin = new Client(app);
  await admin.signIn();
  await admin.get('/users/new');
  const refs = app.db.get<{ type: number; role: number }>(
    sql`select (select min(id) from user_types) as type, (select min(id) from roles) as role`,
  )!;
  const form = {
    username: 'newbie',
    userTypeId: String(refs.type),
    roleId: String(refs.role),
    licenceType: 'none',
    status: 'active',
    kind: 'user',
    passwordMode: 'none',
    notes: 'A long note that needs a page of its own. '.repeat(200),
  };
  const before = userCount(app);
  const free = fillTheDisk(app);

  const refused = await admin.post('/users', form);
  t.equal(refused.statusCode, 507);
  t.match(refused.body, DISK_FULL);
  t.match(refused.body, /aria-label="Main"/, 'still signed in: the page has the navigation');
  t.equal(userCount(app), before, 'nothing was saved');

  free();
  t.equal((await admin.post('/users', form)).statusCode, 303, 'the same form saves once there is room');
  t.equal(userCount(app), before + 1);
});

t.test('the health check answers 503 while the database cannot be written, and 200 again after', async (t) => {
  const app = await buildTestApp(t);
  t.equal((await app.inject('/healthz')).statusCode, 200);
  const free = fillTheDisk(app);
  // The probe's answer is kept for a moment: ask as if that moment had passed.
  app.writeProbe.fault(Date.now() + 60_000);

  const down = await app.inject('/healthz');
  t.equal(down.statusCode, 503);
  t.same(down.json(), { status: 'unavailable', reason: 'The disk is full: the database cannot be written.' });

  free();
  app.writeProbe.fault(Date.now() + 120_000);
  t.equal((await app.inject('/healthz')).statusCode, 200);
});
