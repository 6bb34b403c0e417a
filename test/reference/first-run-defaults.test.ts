import { sql } from 'drizzle-orm';
import t from 'tap';
import { seedFirstRunItems } from '../../src/reference/first-run-defaults.js';
import { buildTestApp, Client } from '../helpers/app.js';
import { formFields, postForm, withFields } from '../helpers/user-form.js';

const names = (db: { all: <T>(query: ReturnType<typeof sql>) => T[] }, table: string) =>
  db.all<{ name: string }>(sql`select name from ${sql.identifier(table)} order by id`).map((row) => row.name);

t.test('after first-run setup the New user form can be submitted with the default lists', async (t) => {
  const app = await buildTestApp(t);
  const browser = new Client(app);
  const token = app.firstRun.setupToken!;
  await browser.get(`/setup?token=${token}`);
  const password = 'analytical engine 1843';
  const created = await browser.post('/setup', {
    token,
    username: 'ada',
    fullName: 'Ada Lovelace',
    email: '',
    password,
    passwordConfirmation: password,
  });
  t.equal(created.statusCode, 302);
  t.same(names(app.db, 'user_types'), ['Employee', 'Contractor', 'Applicant', 'Reviewer', 'Contributor']);
  t.same(names(app.db, 'roles'), ['Administrator', 'Manager', 'Staff', 'Viewer']);
  t.same(names(app.db, 'groups'), [], 'lists an organisation names its own way start empty');

  await browser.signIn('ada', password);
  const form = await browser.get('/users/new');
  t.match(form.body, />Employee<\/option>/);
  t.match(form.body, />Staff<\/option>/);
  const option = (label: string) => new RegExp(`<option value="(\\d+)">${label}</option>`).exec(form.body)![1]!;
  const fields = withFields(formFields(form.body), {
    username: 'kira',
    firstName: 'Kira',
    lastName: 'Lind',
    userTypeId: option('Employee'),
    roleId: option('Staff'),
  });
  const saved = await postForm(app, browser, '/users', fields);
  t.equal(saved.statusCode, 303, 'the first user is created');
  t.ok(app.db.get(sql`select 1 from users where username = 'kira'`));
});

t.test('defaults go only into lists that are still empty', async (t) => {
  const app = await buildTestApp(t);
  app.db.run(sql`insert into roles (name) values ('Agent')`);
  seedFirstRunItems(app.db);
  t.same(names(app.db, 'roles'), ['Agent'], 'a list someone filled is left alone');
  t.equal(names(app.db, 'user_types').length, 5, 'an empty one is filled');
});
