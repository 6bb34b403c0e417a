import t from 'tap';
import { signedInHelper, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { ticked } from '../helpers/bulk.js';

const LINKED = (items: string, slug: string) =>
  new RegExp(`No ${items} yet — <a href="/lists/${slug}">add them in Lists</a>\\.`);
const ASK = (items: string) => new RegExp(`No ${items} yet — ask a superuser to add some\\.`);

t.test('forms say where an empty list is filled: a link for superusers, whom to ask for others', async (t) => {
  // Ann brings a group and a team; the first-run defaults bring user types and roles.
  const { app, ann, browser } = await signedInWithAnnAndBoss(t);
  const { client: scoped } = await signedInHelper(app, 'admin', { scope: { groups: [1] } });

  const form = await browser.get('/users/new');
  t.match(form.body, LINKED('territories', 'territories'), 'the territory select');
  t.match(form.body, LINKED('companies', 'companies'), 'the companies check boxes');
  t.match(form.body, LINKED('add-on licences', 'addons'));
  t.match(form.body, LINKED('databases', 'databases'));
  t.notMatch(form.body, /No (groups|teams|user types|roles) yet/, 'lists with items say nothing');
  t.match((await scoped.get('/users/new')).body, ASK('territories'));

  await browser.get('/users');
  const bulk = await browser.post('/users/bulk', ticked('update', ann.id));
  t.equal(bulk.statusCode, 200);
  t.match(bulk.body, LINKED('territories', 'territories'), 'the bulk territory select');
  t.match(bulk.body, LINKED('companies', 'companies'), 'the bulk companies list');
  t.notMatch(bulk.body, /No groups yet/);

  const upload = await browser.get('/users/import');
  t.match(upload.body, LINKED('territories', 'territories'), 'the import page');
  t.notMatch(upload.body, /No user types yet/);
  t.match((await scoped.get('/users/import')).body, ASK('territories'));
});
