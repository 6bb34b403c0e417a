import t from 'tap';
import { sessions } from '../../src/db/schema.js';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, USER_PASSWORD } from '../helpers/portal.js';

t.test('anonymous visits to the sign-in pages and to missing pages store no session', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const stored = () => app.db.select().from(sessions).all().length;

  for (let i = 0; i < 200; i++) {
    const url = ['/signin', '/login', `/no-such-page-${i}`][i % 3]!;
    const res = await new Client(app).get(url);
    t.equal(res.statusCode, url.startsWith('/no-such') ? 404 : 200, `${url} answers`);
    if (res.statusCode !== 404 && res.statusCode !== 200) break;
  }
  t.equal(stored(), 0, '200 visits, no session rows');

  const browser = new Client(app);
  const page = await browser.get('/signin');
  t.equal(page.cookies.map((c) => c.name).includes('roster_session'), false, 'no session cookie is handed out');
  t.equal(stored(), 0);
});

for (const { page, username, password, addAccount } of [
  { page: '/signin', username: 'admin', password: ADMIN_PASSWORD, addAccount: addSuperuser },
  { page: '/login', username: 'mira', password: USER_PASSWORD, addAccount: addManagedUser },
] as const) {
  t.test(`${page} is protected against CSRF without a stored session, which starts at sign-in`, async (t) => {
    const app = await buildTestApp(t);
    await addAccount(app);
    const stored = () => app.db.select().from(sessions).all().length;
    const browser = new Client(app);
    await browser.get(page);

    const withoutToken = await browser.post(page, { _csrf: '', username, password });
    t.equal(withoutToken.statusCode, 403, 'a post without the token is refused');
    const forged = await browser.post(page, { _csrf: 'forged-token', username, password });
    t.equal(forged.statusCode, 403, 'a forged token is refused');
    const noCookie = await app.inject({
      method: 'POST',
      url: page,
      payload: new URLSearchParams({ _csrf: browser.csrfToken, username, password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.equal(noCookie.statusCode, 403, 'a token without the cookie it belongs to is refused');
    t.equal(stored(), 0, 'no refusal stored a session');

    await browser.get(page);
    const signedIn = await browser.post(page, { username, password });
    t.equal(signedIn.statusCode, 302, 'with the token, sign-in works');
    t.equal(stored(), 1, 'and the session is stored now');
  });
}

t.test('a token shown before sign-in is not good for the signed-in session', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.get('/signin');
  const anonymousToken = browser.csrfToken;
  await browser.post('/signin', { username: 'admin', password: ADMIN_PASSWORD });
  t.equal((await browser.post('/signout', { _csrf: anonymousToken })).statusCode, 403, 'refused');
  await browser.get('/');
  t.equal((await browser.post('/signout')).statusCode, 302, 'a token from a signed-in page works');
});
