import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, signedInHelper } from '../helpers/directory.js';

t.test('clicking a name opens the user with everything they hold', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const boss = addUser(app.db, { username: 'boss', fullName: 'Bo Ss' });
  const ann = addUser(app.db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Öberg',
    email: 'ann@example.com',
    groups: ['Sales', 'Support'],
    companies: ['Acme'],
    territory: 'Nordics',
    role: 'Manager',
    userType: 'Employee',
    supervisorId: boss.id,
    notes: 'Prefers <b>email</b>',
    status: 'inactive',
  });
  const browser = new Client(app);
  await browser.signIn();

  const list = (await browser.get('/users')).body;
  t.match(list, `<a href="/users/${ann.id}">Ann Öberg</a>`, 'the name links to the user');
  const page = await browser.get(`/users/${ann.id}`);
  t.equal(page.statusCode, 200);
  for (const text of [
    'Ann Öberg',
    'ann@example.com',
    'Sales, Support',
    'Acme',
    'Nordics',
    'Manager',
    'Employee',
    'Inactive',
  ]) {
    t.ok(page.body.includes(text), text);
  }
  t.match(page.body, `<a href="/users/${boss.id}">Bo Ss</a>`, 'the supervisor links to their page');
  t.match(page.body, 'Prefers &lt;b&gt;email&lt;/b&gt;', 'notes are escaped');
  t.match(page.body, `href="/users?supervisor=${ann.id}"`, 'a link lists the people they supervise');
});

t.test('a user outside the scope, in the trash, or with a malformed id is not found', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann' });
  const gone = addUser(app.db, { username: 'gone', deletedAt: new Date() });

  const superuser = new Client(app);
  await superuser.signIn();
  for (const url of [`/users/${gone.id}`, '/users/999999', '/users/abc', '/users/0', '/users/1e3']) {
    t.equal((await superuser.get(url)).statusCode, 404, url);
  }

  const { client: scoped } = await signedInHelper(app);
  const res = await scoped.get(`/users/${ann.id}`);
  t.equal(res.statusCode, 404, 'outside the scope a user does not exist');
  t.notMatch(res.body, /ann/);
});
