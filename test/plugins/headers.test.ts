import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, signedInClient } from '../helpers/portal.js';

t.test('every page carries a strict Content-Security-Policy and the other protective headers', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject('/signin');
  const csp = String(res.headers['content-security-policy']);
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ]) {
    t.ok(csp.includes(directive), directive);
  }
  t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'no inline script, no eval');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['referrer-policy'], 'same-origin');
  t.equal(res.headers['x-frame-options'], 'DENY');
});

t.test('pages hold no inline script and no hx-on handlers', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  for (const url of ['/signin', '/', '/nowhere']) {
    const { body } = await browser.get(url);
    t.notMatch(body, /<script(?![^>]*\bsrc=)[^>]*>/, `${url}: every script is a file`);
    t.notMatch(body, /\son\w+=|hx-on/, `${url}: no inline handlers`);
  }
});

t.test('the session cookie is HttpOnly and SameSite, and Secure over HTTPS', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true });
  const plain = await app.inject('/signin');
  const cookie = String(plain.headers['set-cookie']);
  t.match(cookie, /HttpOnly/);
  t.match(cookie, /SameSite=Lax/);
  t.notMatch(cookie, /Secure/, 'plain HTTP on a private network still works');

  const https = await app.inject({ url: '/signin', headers: { 'x-forwarded-proto': 'https' } });
  t.match(String(https.headers['set-cookie']), /; Secure/, 'behind a TLS proxy the cookie is Secure');
});

t.test('htmx is served from the pinned package, and nothing else from it', async (t) => {
  const app = await buildTestApp(t);
  const htmx = await app.inject('/vendor/htmx/htmx.min.js');
  t.equal(htmx.statusCode, 200);
  t.match(htmx.body, /htmx/);
  t.equal((await app.inject('/vendor/htmx/htmx.js')).statusCode, 404);
  t.equal((await app.inject('/public/css/app.css')).statusCode, 200, 'the stylesheet is public');
  t.equal((await app.inject('/public/../package.json')).statusCode, 404, 'no way out of public/');
});

t.test('signed-in pages are kept by no cache; the sign-in page and static files keep their caching', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const admin = new Client(app);
  await admin.signIn();
  for (const url of ['/', '/users', '/users?q=ada', '/users/new', '/audit', '/users/999999']) {
    t.equal((await admin.get(url)).headers['cache-control'], 'no-store', url);
  }
  const fragment = await admin.get('/users', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.equal(fragment.headers['cache-control'], 'no-store', 'the list fragment htmx swaps in');

  const managed = await addManagedUser(app);
  const account = await signedInClient(app, managed.username);
  t.equal((await account.get('/account')).headers['cache-control'], 'no-store', 'the account portal');

  t.match((await app.inject('/public/css/app.css')).headers['cache-control'], /max-age=3600/, 'static files');
  t.not((await app.inject('/signin')).headers['cache-control'], 'no-store');
});

t.test('behind a TLS proxy browsers are told to use HTTPS only; plain HTTP is left alone', async (t) => {
  const HSTS = 'max-age=31536000; includeSubDomains';
  const proxied = await buildTestApp(t, { trustProxy: true });
  const https = { 'x-forwarded-proto': 'https' };
  t.equal((await proxied.inject({ url: '/signin', headers: https })).headers['strict-transport-security'], HSTS);
  t.equal((await proxied.inject({ url: '/nowhere', headers: https })).headers['strict-transport-security'], HSTS);
  t.notOk((await proxied.inject('/signin')).headers['strict-transport-security'], 'plain HTTP through the proxy');

  const direct = await buildTestApp(t);
  t.notOk(
    (await direct.inject({ url: '/signin', headers: https })).headers['strict-transport-security'],
    'a forwarded header is not believed without TRUST_PROXY',
  );
});
