import t from 'tap';
import { ADMIN_PASSWORD, addSuperuser, buildTestApp } from '../helpers/app.js';
import { addManagedUser, signedInClient } from '../helpers/portal.js';

t.test('an administrator who signs in at the portal is offered the way to the console', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  await addManagedUser(app);

  const admin = await signedInClient(app, 'admin', ADMIN_PASSWORD);
  const account = await admin.get('/account');
  t.equal(account.statusCode, 200);
  t.match(account.body, '<a href="/">Go to the administration console</a>');
  const consoleHome = await admin.get('/');
  t.equal(consoleHome.statusCode, 302, 'the console asks for its own sign-in');
  t.match(String(consoleHome.headers.location), /^\/signin/);

  const user = await signedInClient(app);
  t.notMatch((await user.get('/account')).body, 'administration console', 'a managed user is not offered it');
});
