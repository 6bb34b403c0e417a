import t from 'tap';
import { sessions, users } from '../../src/db/schema.js';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';

t.test('an unsafe request without a valid CSRF token is refused with 403 and changes nothing', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  await browser.get('/');
  const sessionsBefore = app.db.select().from(sessions).all().length;

  for (const token of ['', 'forged-token']) {
    const res = await browser.post('/signout', { _csrf: token });
    t.equal(res.statusCode, 403, `token "${token}" refused`);
    t.match(res.body, /This form has expired or was sent from another site/);
  }
  t.equal(app.db.select().from(sessions).all().length, sessionsBefore, 'the session was not ended');
  t.equal((await browser.get('/')).statusCode, 200, 'still signed in');
});

t.test('htmx sends the token in a header, and that is accepted', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  const page = await browser.get('/');
  const headerToken = /hx-headers:inherited='\{"x-csrf-token": "([^"]+)"\}'/.exec(page.body)?.[1];
  t.ok(headerToken, 'the layout gives htmx the token');
  const res = await browser.post('/signout', { _csrf: '' }, { 'x-csrf-token': headerToken!, 'hx-request': 'true' });
  t.equal(res.statusCode, 302);
});

t.test('a token from another session does not work', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const attacker = new Client(app);
  await attacker.get('/signin');
  const victim = new Client(app);
  await victim.get('/signin');
  const res = await victim.post('/signin', { _csrf: attacker.csrfToken, username: 'admin', password: ADMIN_PASSWORD });
  t.equal(res.statusCode, 403);
  t.equal(app.db.select().from(users).get()?.lastSigninAt, null, 'no sign-in happened');
});
