import t from 'tap';
import { type Permission, PERMISSIONS } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';

/**
 * Each permission taken away in turn, from an administrator of the group Sales: what it grants
 * answers 403 on its route, its button is gone from the pages, nothing changes, and what the
 * other permissions grant still works.
 */
const ROUTE_OF: Record<
  Exclude<Permission, 'view' | 'email'>,
  { path: (id: number) => string; fields: [string, string][]; button: RegExp }
> = {
  edit: { path: (id) => `/users/${id}/edit`, fields: [], button: />Edit</ },
  delete: { path: (id) => `/users/${id}/delete`, fields: [], button: />Delete</ },
  access: { path: (id) => `/users/${id}/block`, fields: [], button: />Block…</ },
  transfer: {
    path: () => '/users/export',
    fields: [
      ['query', ''],
      ['all', '1'],
    ],
    button: />Export CSV</,
  },
};

async function setUp(t: Parameters<typeof buildTestApp>[0], without: Permission) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const sales = referenceId(app.db, 'groups', 'Sales');
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Sales', groups: ['Sales'] });
  const permissions = PERMISSIONS.filter((p) => p !== without);
  const { client } = await signedInHelper(app, 'admin', { permissions, scope: { groups: [sales] } });
  return { app, ann, client };
}

const usersRow = (app: Awaited<ReturnType<typeof buildTestApp>>, id: number) =>
  JSON.stringify(app.db.$client.prepare('select * from users where id = ?').get(id));

for (const [permission, route] of Object.entries(ROUTE_OF)) {
  t.test(`without "${permission}"`, async (t) => {
    const { app, ann, client } = await setUp(t, permission as Permission);
    const page = await client.get(`/users/${ann.id}`);
    const list = await client.get('/users');
    t.notMatch(page.body + list.body, route.button, 'the button is not shown');
    const before = usersRow(app, ann.id);
    const url = route.path(ann.id);
    const res =
      route.fields.length === 0 && !url.endsWith('/block')
        ? await client.get(url)
        : await client.post(url, route.fields);
    t.equal(res.statusCode, 403, url);
    t.match(res.body, /You may not/);
    t.equal(usersRow(app, ann.id), before, 'nothing changed');

    // The other permissions still work: viewing the user, and each other route's page.
    t.equal(page.statusCode, 200);
    for (const [other, otherRoute] of Object.entries(ROUTE_OF)) {
      if (other === permission) continue;
      t.match(page.body + list.body, otherRoute.button, `"${other}" is still offered`);
    }
  });
}

t.test('without "view" the administrator sees no one at all', async (t) => {
  const { ann, client } = await setUp(t, 'view');
  t.equal((await client.get(`/users/${ann.id}`)).statusCode, 404);
  t.notMatch((await client.get('/users?q=ann')).body, /Ann Sales/);
});

t.test('importing needs both import and edit', async (t) => {
  for (const without of ['transfer', 'edit'] as const) {
    const { client } = await setUp(t, without);
    const res = await client.get('/users/import');
    t.equal(res.statusCode, 403, `without ${without}`);
    t.notMatch((await client.get('/users')).body, /href="\/users\/import"/, 'no Import button');
  }
});
