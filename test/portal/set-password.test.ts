import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { auditEntries, passwordTokens, sessions, type User, users } from '../../src/db/schema.js';
import { createSetPasswordToken } from '../../src/portal/set-password-tokens.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import {
  addManagedUser,
  NEW_PASSWORD,
  portalSignIn,
  REFUSED,
  reload,
  signedInClient,
  USER_PASSWORD,
} from '../helpers/portal.js';

const SPENT = /This link has expired or was already used; ask your administrator for a new one\./;

function fieldError(body: string, name: string): string | undefined {
  return new RegExp(`<p class="field-error" id="field-${name}-error">([^<]*)</p>`).exec(body)?.[1];
}

/** A user created with no password, and a link for them made by the superuser. */
async function userWithLink(app: FastifyInstance, fields: Partial<User> = {}) {
  const admin = await addSuperuser(app);
  const mira = await addManagedUser(app, { passwordHash: null, ...fields });
  const { token } = createSetPasswordToken(app.db, { id: admin.id, name: 'Ada Admin' }, mira);
  return { admin, mira, token };
}

async function submit(client: Client, token: string, password = NEW_PASSWORD, confirmation = password) {
  return client.post('/set-password', { token, newPassword: password, newPasswordConfirmation: confirmation });
}

t.test('the link lets the user choose a password and then sign in with it', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app, {
    mustChangePassword: true,
    passwordExpiresAt: new Date(Date.now() - 60_000),
  });
  t.equal((await portalSignIn(new Client(app), 'mira', '')).statusCode, 401, 'without a password nobody gets in');

  const browser = new Client(app);
  const page = await browser.get(`/set-password?token=${token}`);
  t.equal(page.statusCode, 200);
  t.equal(page.headers['cache-control'], 'no-store');
  t.equal(page.headers['referrer-policy'], 'no-referrer', 'the token does not leak through Referer');
  t.match(page.body, /<label for="field-newPassword">New password/);
  t.match(page.body, /<label for="field-newPasswordConfirmation">Repeat the new password/);
  t.match(page.body, /signs in as <strong>mira<\/strong>/);
  t.match(page.body, `name="token" value="${token}"`);

  const done = await submit(browser, token);
  t.equal(done.statusCode, 302);
  t.equal(done.headers.location, '/login');
  const login = await browser.get('/login');
  t.match(login.body, /Your password has been set\. Sign in with it now\./, 'the sign-in page says so');

  const after = reload(app, mira.id);
  t.ok(after.passwordHash, 'a password is stored');
  t.not(after.passwordHash, NEW_PASSWORD, 'hashed');
  t.ok(after.passwordChangedAt, 'the change is dated');
  t.equal(after.mustChangePassword, false, 'no change is asked for right away');
  t.equal(after.passwordExpiresAt, null, 'the old expiry is gone');
  const row = app.db.select().from(passwordTokens).where(eq(passwordTokens.userId, mira.id)).get()!;
  t.ok(row.usedAt, 'the link is spent');

  const signedIn = await portalSignIn(browser, 'mira', NEW_PASSWORD);
  t.equal(signedIn.statusCode, 302);
  t.equal(signedIn.headers.location, '/account', 'straight to the account, not to another password change');
  t.equal((await browser.get('/account')).statusCode, 200);

  const audit = app.db.select().from(auditEntries).where(eq(auditEntries.action, 'account.password')).all();
  t.equal(audit.length, 1, 'the change is audited');
  t.match(audit[0], { actorId: mira.id, targetUserId: mira.id, detail: 'set through a link' });
});

t.test('the whole round through the administrator page', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const mira = await addManagedUser(app, { passwordHash: null });
  const admin = new Client(app);
  await admin.signIn();
  await admin.get(`/users/${mira.id}`);
  const shown = await admin.post(`/users/${mira.id}/set-password-link`);
  const link = /https?:\/\/[^/]+(\/set-password\?token=[A-Za-z0-9_-]{43})/.exec(shown.body)?.[1];
  t.ok(link, 'a link is shown');

  const user = new Client(app);
  t.equal((await user.get(link!)).statusCode, 200);
  t.equal((await submit(user, new URL(link!, 'http://x').searchParams.get('token')!)).statusCode, 302);
  t.equal((await portalSignIn(user, 'mira', NEW_PASSWORD)).statusCode, 302, 'the user signs in');
  t.equal((await admin.get(`/users/${mira.id}`)).statusCode, 200, 'the administrator is still signed in');
});

t.test('a link works once', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app);
  const browser = new Client(app);
  await browser.get(`/set-password?token=${token}`);
  t.equal((await submit(browser, token)).statusCode, 302);
  const hash = reload(app, mira.id).passwordHash;

  const again = await browser.get(`/set-password?token=${token}`);
  t.equal(again.statusCode, 410, 'opening it again is refused');
  t.match(again.body, SPENT);
  t.notMatch(again.body, /name="newPassword"/, 'with no form');

  const other = new Client(app);
  await other.get('/login');
  const reused = await submit(other, token, 'another fine passphrase here');
  t.equal(reused.statusCode, 410, 'a second use is refused');
  t.match(reused.body, SPENT);
  t.equal(reload(app, mira.id).passwordHash, hash, 'the password stays as first set');
  t.equal(
    app.db.select().from(auditEntries).where(eq(auditEntries.action, 'account.password')).all().length,
    1,
    'one change, one entry',
  );
});

t.test('two submissions racing with one link: exactly one wins', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app);
  const first = new Client(app);
  const second = new Client(app);
  await first.get(`/set-password?token=${token}`);
  await second.get(`/set-password?token=${token}`);
  // Both pass the first check, then hash their password; the transaction decides.
  const results = await Promise.all([
    submit(first, token, 'the first fine passphrase'),
    submit(second, token, 'the second fine passphrase'),
  ]);
  t.same(results.map((r) => r.statusCode).sort(), [302, 410]);
  const loser = results.find((r) => r.statusCode === 410)!;
  t.match(loser.body, SPENT);
  const winner = results[0]!.statusCode === 302 ? 'the first fine passphrase' : 'the second fine passphrase';
  t.equal((await portalSignIn(new Client(app), 'mira', winner)).statusCode, 302, 'the winning password holds');
  t.equal(
    app.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.targetUserId, mira.id), eq(auditEntries.action, 'account.password')))
      .all().length,
    1,
    'one change, one entry',
  );
});

t.test('an expired link is refused', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app);
  const browser = new Client(app);
  await browser.get(`/set-password?token=${token}`);
  app.db
    .update(passwordTokens)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(passwordTokens.userId, mira.id))
    .run();

  const page = await browser.get(`/set-password?token=${token}`);
  t.equal(page.statusCode, 410);
  t.match(page.body, SPENT);
  const post = await submit(browser, token);
  t.equal(post.statusCode, 410, 'the form posted late is refused too');
  t.equal(reload(app, mira.id).passwordHash, null, 'no password was set');
});

t.test('a tampered, malformed or missing token opens nothing', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app);
  const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  const browser = new Client(app);
  for (const url of [
    `/set-password?token=${flipped}`,
    `/set-password?token=${token.slice(1)}`,
    `/set-password?token=${token}x`,
    `/set-password?token=${encodeURIComponent(token + "' or 1=1 --")}`,
    '/set-password?token=',
    '/set-password',
  ]) {
    const res = await browser.get(url);
    t.equal(res.statusCode, 404, url);
    t.match(res.body, SPENT);
  }
  await browser.get('/login');
  t.equal((await submit(browser, flipped)).statusCode, 404, 'posting a tampered token is refused');
  t.equal((await submit(browser, '')).statusCode, 404, 'and posting none');
  t.equal(reload(app, mira.id).passwordHash, null);
  t.equal((await browser.get(`/set-password?token=${token}`)).statusCode, 200, 'the real link still works');
});

t.test('a password the policy refuses is explained beside its field, and the link stays usable', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app);
  const browser = new Client(app);
  await browser.get(`/set-password?token=${token}`);

  const refusals: [string, string, string, string, RegExp][] = [
    ['too short', 'short1', 'short1', 'newPassword', /Use at least 12 characters/],
    ['common', 'password1234', 'password1234', 'newPassword', /commonly used passwords/],
    ['contains the username', 'Mira-loves-herons', 'Mira-loves-herons', 'newPassword', /must not contain the username/],
    ['mismatched', NEW_PASSWORD, NEW_PASSWORD + '!', 'newPasswordConfirmation', /do not match/],
    ['empty', '', '', 'newPassword', /Choose a password/],
  ];
  for (const [label, password, confirmation, field, message] of refusals) {
    const res = await submit(browser, token, password, confirmation);
    t.equal(res.statusCode, 422, `${label}: refused`);
    t.match(fieldError(res.body, field) ?? '', message, `${label}: the message is beside ${field}`);
    t.match(res.body, new RegExp(`id="field-${field}"[^>]*aria-invalid="true"`), `${label}: the field is marked`);
    t.match(res.body, /role="alert"/, `${label}: a summary is announced`);
    t.match(res.body, `name="token" value="${token}"`, `${label}: the form keeps the link's token`);
    t.match(res.body, /signs in as <strong>mira<\/strong>/, `${label}: and still names the account`);
    t.equal(res.headers['cache-control'], 'no-store');
    for (const value of [password, confirmation].filter(Boolean)) {
      t.notOk(res.body.includes(`value="${value}"`), `${label}: passwords are never echoed`);
    }
  }
  t.equal(reload(app, mira.id).passwordHash, null, 'nothing was set');
  t.equal((await submit(browser, token)).statusCode, 302, 'a good password is then accepted');
});

t.test("setting the password ends the user's sessions everywhere", async (t) => {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const mira = await addManagedUser(app);
  const here = await signedInClient(app);
  const elsewhere = await signedInClient(app);
  t.equal((await elsewhere.get('/account')).statusCode, 200, 'two browsers signed in');
  t.equal(app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).all().length, 2);

  const { token } = createSetPasswordToken(app.db, { id: admin.id, name: 'Ada Admin' }, mira);
  await here.get(`/set-password?token=${token}`);
  const res = await submit(here, token);
  t.equal(res.statusCode, 302);
  t.equal(app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).all().length, 0, 'none left');

  for (const [label, client] of [
    ['the other browser', elsewhere],
    ['the browser that used the link', here],
  ] as const) {
    const account = await client.get('/account');
    t.equal(account.statusCode, 302, `${label} is signed out`);
    t.match(account.headers.location, /^\/login/);
  }
  t.equal((await portalSignIn(new Client(app), 'mira', USER_PASSWORD)).statusCode, 401, 'the old password is dead');
  t.match((await portalSignIn(new Client(app), 'mira', USER_PASSWORD)).body, REFUSED);
  t.equal((await portalSignIn(new Client(app), 'mira', NEW_PASSWORD)).statusCode, 302, 'the new one works');
});

t.test('a link for a user moved to the trash is refused', async (t) => {
  const app = await buildTestApp(t);
  const { mira, token } = await userWithLink(app);
  app.db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, mira.id)).run();
  const browser = new Client(app);
  t.equal((await browser.get(`/set-password?token=${token}`)).statusCode, 410);
  await browser.get('/login');
  t.equal((await submit(browser, token)).statusCode, 410);
  t.equal(reload(app, mira.id).passwordHash, null);
});

t.test('posting the form is rate limited like sign-in', async (t) => {
  const app = await buildTestApp(t, { signinRateLimitPerMinute: 3 });
  const { token } = await userWithLink(app);
  const browser = new Client(app);
  await browser.get(`/set-password?token=${token}`);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await submit(browser, token, 'short', 'short')).statusCode);
  t.same(statuses, [422, 422, 422, 429]);
  t.match(browser.lastPage, /Too many attempts/);
});
