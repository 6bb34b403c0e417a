import t from 'tap';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { appCode, auditDetails, enrolApp } from './fixture.js';
import { hashPassword } from '../../src/auth/passwords.js';

const twoStepOf = (app: Awaited<ReturnType<typeof buildTestApp>>, id: number) =>
  app.db
    .select({ method: users.twoStepMethod, sealed: users.totpSecretSealed })
    .from(users)
    .where(eq(users.id, id))
    .get()!;

t.test('an administrator with the access permission resets a user’s second step, audited', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const sales = referenceId(app.db, 'groups', 'Sales');
  const insider = addUser(app.db, {
    username: 'insider',
    fullName: 'Ines Insider',
    groups: ['Sales'],
    twoStepMethod: 'email',
  });
  const outsider = addUser(app.db, {
    username: 'outsider',
    fullName: 'Otto Outsider',
    groups: ['Support'],
    twoStepMethod: 'email',
  });
  const { client } = await signedInHelper(app, 'admin', {
    permissions: ['view', 'access'],
    scope: { groups: [sales] },
  });

  const page = await client.get(`/users/${insider.id}`);
  t.match(page.body, 'On: signing in takes the password and a code by email.');
  t.match(page.body, 'Reset two-step verification…', 'behind a confirmation');
  const reset = await client.post(`/users/${insider.id}/two-step/reset`);
  t.equal(reset.statusCode, 303);
  t.same(twoStepOf(app, insider.id), { method: null, sealed: null });
  t.match((await client.get(`/users/${insider.id}`)).body, 'two-step verification was reset');
  t.same(
    auditDetails(app, 'two_step.reset').map((e) => e.target),
    ['Ines Insider'],
  );

  const hidden = await client.post(`/users/${outsider.id}/two-step/reset`);
  t.equal(hidden.statusCode, 404, 'outside the scope the user does not exist');
  t.equal(twoStepOf(app, outsider.id).method, 'email');
});

t.test('without the access permission the reset is refused and not offered', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const sales = referenceId(app.db, 'groups', 'Sales');
  const insider = addUser(app.db, { username: 'insider', groups: ['Sales'], twoStepMethod: 'totp' });
  const { client } = await signedInHelper(app, 'admin', { permissions: ['view', 'edit'], scope: { groups: [sales] } });
  const page = await client.get(`/users/${insider.id}`);
  t.notMatch(page.body, 'Reset two-step verification');
  const refused = await client.post(`/users/${insider.id}/two-step/reset`);
  t.equal(refused.statusCode, 403);
  t.match(refused.body, 'You may not change passwords and access');
  t.equal(twoStepOf(app, insider.id).method, 'totp');
});

t.test(
  'a superuser requires two-step of every administrator; one without it enrols before anything else',
  async (t) => {
    const app = await buildTestApp(t);
    await addSuperuser(app);
    const superuser = new Client(app);
    await superuser.signIn();
    const admins = await superuser.get('/admins');
    t.match(admins.body, 'Require two-step verification of every administrator');
    t.match(admins.body, '<td>Not set up</td>');
    await superuser.post('/admins/two-step', { required: 'on' });
    const afterSaving = await superuser.get('/admins');
    t.equal(
      afterSaving.headers.location,
      '/preferences/two-step',
      'a superuser without a second step sets one up next',
    );
    t.match((await superuser.get('/preferences/two-step')).body, 'is now required of every administrator');
    t.same(auditDetails(app, 'settings.two_step').length, 1);

    // The superuser's open session is held to it at once: only the enrolment page opens.
    const held = await superuser.get('/users');
    t.equal(held.statusCode, 302);
    t.equal(held.headers.location, '/preferences/two-step');
    const enrolPage = await superuser.get('/preferences/two-step');
    t.match(enrolPage.body, 'Two-step verification is required for your account.');
    t.notMatch(enrolPage.body, 'Turn off two-step verification');

    const { secret } = await enrolApp(superuser, '/preferences/two-step');
    t.equal((await superuser.get('/users')).statusCode, 200, 'once enrolled, everything opens again');
    t.match(
      (await superuser.get('/admins')).body,
      '<td>Authenticator app</td>',
      'the Administrators page shows the real state',
    );
    await superuser.get('/preferences/two-step');
    const off = await superuser.post('/preferences/two-step/off');
    t.equal(off.statusCode, 303);
    t.equal(twoStepOf(app, 1).method, 'totp', 'a required second step cannot be turned off');

    // A scoped administrator signing in is taken to enrolment.
    addUser(app.db, {
      username: 'sam',
      fullName: 'Sam Scoped',
      adminRole: 'admin',
      adminPermissions: ['view'],
      passwordHash: await hashPassword('a long scoped passphrase'),
    });
    const sam = new Client(app);
    const signin = await sam.signIn('sam', 'a long scoped passphrase');
    t.equal(signin.statusCode, 302);
    const next = await sam.get(signin.headers.location as string);
    t.equal(next.headers.location, '/preferences/two-step', 'taken to enrolment at sign-in');
    t.ok(secret);
  },
);

t.test('the user form’s flag requires a second step of one managed user in the portal', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  addUser(app.db, {
    username: 'mira',
    twoStepEnabled: true,
    passwordHash: await hashPassword('violet kettle under moonlight'),
  });
  const client = new Client(app);
  await client.get('/login');
  await client.post('/login', { username: 'mira', password: 'violet kettle under moonlight' });
  const account = await client.get('/account');
  t.equal(account.headers.location, '/account/two-step');
  const { secret } = await enrolApp(client, '/account/two-step');
  t.equal((await client.get('/account')).statusCode, 200);
  await client.get('/account');
  await client.post('/logout');
  await client.get('/login');
  await client.post('/login', { username: 'mira', password: 'violet kettle under moonlight' });
  await client.get('/login/two-step');
  const done = await client.post('/login/two-step', { code: appCode(secret, 1) });
  t.equal(done.headers.location, '/account');
});
