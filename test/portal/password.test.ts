import { eq } from 'drizzle-orm';
import t from 'tap';
import { auditEntries, sessions, users } from '../../src/db/schema.js';
import { buildTestApp, Client } from '../helpers/app.js';
import {
  addManagedUser,
  NEW_PASSWORD,
  portalSignIn,
  reload,
  signedInClient,
  USER_PASSWORD,
} from '../helpers/portal.js';

/** The error shown beside one field, read from the re-rendered form. */
function fieldError(body: string, name: string): string | undefined {
  return new RegExp(`<p class="field-error" id="field-${name}-error">([^<]*)</p>`).exec(body)?.[1];
}

t.test('a password that must be changed, or has expired, is the only page there is', async (t) => {
  const cases = [
    { label: 'must change', change: { mustChangePassword: true }, notice: /Choose a new password before you continue/ },
    {
      label: 'expired',
      change: { passwordExpiresAt: new Date(Date.now() - 60_000) },
      notice: /Your password has expired/,
    },
  ];
  for (const { label, change, notice } of cases) {
    const app = await buildTestApp(t);
    const mira = await addManagedUser(app, change);
    const client = new Client(app);
    const signedIn = await portalSignIn(client);
    t.equal(signedIn.headers.location, '/account/password', `${label}: straight to the password page`);

    const profile = await client.get('/account');
    t.equal(profile.statusCode, 302, `${label}: the profile is out of reach`);
    t.equal(profile.headers.location, '/account/password');

    const page = await client.get('/account/password');
    t.equal(page.statusCode, 200);
    t.match(page.body, notice, `${label}: the page says why`);
    t.match(page.body, /id="field-currentPassword"[^>]*required/, 'the current password is still asked for');
    t.notMatch(page.body, /href="\/account">Cancel/, 'there is nowhere to go back to');

    const withoutCurrent = await client.post('/account/password', {
      currentPassword: '',
      newPassword: NEW_PASSWORD,
      newPasswordConfirmation: NEW_PASSWORD,
    });
    t.equal(withoutCurrent.statusCode, 422, `${label}: the current password is required even now`);
    t.equal(fieldError(withoutCurrent.body, 'currentPassword'), 'Enter your current password.');

    const done = await client.post('/account/password', {
      currentPassword: USER_PASSWORD,
      newPassword: NEW_PASSWORD,
      newPasswordConfirmation: NEW_PASSWORD,
    });
    t.equal(done.statusCode, 302);
    t.equal(done.headers.location, '/account');
    const after = reload(app, mira.id);
    t.equal(after.mustChangePassword, false, `${label}: the flag is cleared`);
    t.equal(after.passwordExpiresAt, null, `${label}: the expiry is cleared`);
    t.ok(after.passwordChangedAt, 'the change is dated');
    const profileNow = await client.get('/account');
    t.equal(profileNow.statusCode, 200, `${label}: the profile opens once the password is changed`);
    t.match(profileNow.body, /Your password has been changed/);
  }
});

t.test('a password expiring in the future does not get in the way', async (t) => {
  const app = await buildTestApp(t);
  await addManagedUser(app, { passwordExpiresAt: new Date(Date.now() + 86_400_000) });
  const client = await signedInClient(app);
  t.equal((await client.get('/account')).statusCode, 200);
  const page = await client.get('/account/password');
  t.notMatch(page.body, /has expired|before you continue/);
  t.match(page.body, /href="\/account">Cancel/);
});

t.test('changing the password: the current one is checked, the new one must pass the policy', async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app);
  const client = await signedInClient(app);
  const page = await client.get('/account/password');
  t.match(page.body, /<label for="field-currentPassword">Current password/);
  t.match(page.body, /<label for="field-newPassword">New password/);
  t.match(page.body, /<label for="field-newPasswordConfirmation">Repeat the new password/);

  const refusals: [string, Record<string, string>, string, RegExp][] = [
    [
      'wrong current password',
      { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD, newPasswordConfirmation: NEW_PASSWORD },
      'currentPassword',
      /The current password is not correct/,
    ],
    [
      'too short',
      { currentPassword: USER_PASSWORD, newPassword: 'short1', newPasswordConfirmation: 'short1' },
      'newPassword',
      /Use at least 12 characters/,
    ],
    [
      'common',
      { currentPassword: USER_PASSWORD, newPassword: 'password1234', newPasswordConfirmation: 'password1234' },
      'newPassword',
      /commonly used passwords/,
    ],
    [
      'contains the username',
      {
        currentPassword: USER_PASSWORD,
        newPassword: 'mira-loves-herons',
        newPasswordConfirmation: 'mira-loves-herons',
      },
      'newPassword',
      /must not contain the username/,
    ],
    [
      'same as before',
      { currentPassword: USER_PASSWORD, newPassword: USER_PASSWORD, newPasswordConfirmation: USER_PASSWORD },
      'newPassword',
      /different from your current one/,
    ],
    [
      'mismatched',
      { currentPassword: USER_PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirmation: NEW_PASSWORD + '!' },
      'newPasswordConfirmation',
      /do not match/,
    ],
    [
      'empty',
      { currentPassword: '', newPassword: '', newPasswordConfirmation: '' },
      'newPassword',
      /Choose a new password/,
    ],
  ];
  for (const [label, fields, field, message] of refusals) {
    const res = await client.post('/account/password', fields);
    t.equal(res.statusCode, 422, `${label}: refused`);
    t.match(fieldError(res.body, field) ?? '', message, `${label}: the message is beside ${field}`);
    t.match(res.body, new RegExp(`id="field-${field}"[^>]*aria-invalid="true"`), `${label}: the field is marked`);
    t.match(res.body, /role="alert"/, 'a summary is announced');
    for (const value of Object.values(fields).filter(Boolean)) {
      t.notOk(res.body.includes(`value="${value}"`), `${label}: passwords are never echoed`);
    }
    t.equal(reload(app, mira.id).passwordHash, mira.passwordHash, `${label}: the password is unchanged`);
  }
});

t.test('after a change the new password works, the old one does not, and other sessions end', async (t) => {
  const app = await buildTestApp(t);
  const mira = await addManagedUser(app, { mustChangePassword: true });
  const here = new Client(app);
  await portalSignIn(here);
  const elsewhere = new Client(app);
  await portalSignIn(elsewhere);
  t.equal((await elsewhere.get('/account/password')).statusCode, 200, 'two browsers signed in');

  await here.get('/account/password');
  const cookieBefore = here.cookieHeader;
  const res = await here.post('/account/password', {
    currentPassword: USER_PASSWORD,
    newPassword: NEW_PASSWORD,
    newPasswordConfirmation: NEW_PASSWORD,
  });
  t.equal(res.statusCode, 302);
  t.not(here.cookieHeader, cookieBefore, 'this browser carries on with a new session id');
  t.equal((await here.get('/account')).statusCode, 200, 'and stays signed in');
  const other = await elsewhere.get('/account');
  t.equal(other.statusCode, 302, 'the other browser is signed out');
  t.match(other.headers.location, /^\/login/);
  t.equal(app.db.select().from(sessions).where(eq(sessions.userId, mira.id)).all().length, 1, 'one session left');
  t.equal(reload(app, mira.id).mustChangePassword, false);

  const audit = app.db.select().from(auditEntries).where(eq(auditEntries.targetUserId, mira.id)).all();
  t.equal(audit.length, 1, 'the change is audited');
  t.match(audit[0], { action: 'account.password', actorId: mira.id, detail: 'in the account portal' });

  t.equal((await portalSignIn(new Client(app), 'mira', USER_PASSWORD)).statusCode, 401, 'the old password is dead');
  t.equal((await portalSignIn(new Client(app), 'mira', NEW_PASSWORD)).statusCode, 302, 'the new one works');
  t.equal(reload(app, mira.id).status, 'active');
  t.equal(app.db.select().from(users).all().length, 1);
});

t.test('guessing the current password is rate limited like sign-in', async (t) => {
  const app = await buildTestApp(t, { signinRateLimitPerMinute: 3 });
  await addManagedUser(app);
  const client = await signedInClient(app);
  await client.get('/account/password');
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await client.post('/account/password', {
      currentPassword: `guess number ${i}`,
      newPassword: NEW_PASSWORD,
      newPasswordConfirmation: NEW_PASSWORD,
    });
    statuses.push(res.statusCode);
  }
  t.same(statuses, [422, 422, 422, 429]);
  t.match(client.lastPage, /Too many attempts/);
});
