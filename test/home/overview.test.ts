import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';

t.test('the Overview counts as active only those who can sign in: not blocked, not locked', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  addUser(app.db, { username: 'able', status: 'active' });
  addUser(app.db, { username: 'blocked', status: 'active', blocked: true });
  addUser(app.db, { username: 'locked', status: 'active', lockedUntil: new Date(Date.now() + 3_600_000) });
  addUser(app.db, { username: 'lock-over', status: 'active', lockedUntil: new Date(Date.now() - 3_600_000) });
  addUser(app.db, { username: 'gone', status: 'inactive' });
  const browser = new Client(app);
  await browser.signIn();
  const page = (await browser.get('/')).body;
  const figure = (label: string) =>
    new RegExp(`<h2>${label}</h2>\\s*<p class="tile-figure">([^<]*)</p>`).exec(page)?.[1]?.trim();
  t.equal(figure('Users'), '6');
  t.equal(figure('Active'), '3', 'the administrator, able, and the user whose lock has run out');
  t.equal(figure('Inactive'), '1');
});
