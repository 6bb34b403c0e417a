import t from 'tap';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';
import { addManagedUser, USER_PASSWORD } from '../helpers/portal.js';

/** Values a hostile link could carry in ?next=, each of which must lead to the page's default. */
const HOSTILE = [
  '/\n/x',
  '/\r\nSet-Cookie: planted=1',
  '/\t/evil.example/',
  '/%09/evil.example/',
  '/ /evil.example/',
  '/\u00a0/evil.example/',
  '/\x00/evil.example/',
  '/\\evil.example',
  '/%5Cevil.example',
  '/%2F/evil.example',
  '/%2f%2fevil.example',
  '//evil.example/',
  '///evil.example/',
  'https://evil.example/',
  '\t//evil.example/',
  ' /account',
  'javascript:alert(1)',
  '/%E0%A4%A',
];

const PAGES = [
  { page: '/signin', fallback: '/', kept: '/users?q=john%20smith&sort=name', addAccount: addSuperuser },
  { page: '/login', fallback: '/account', kept: '/account/password', addAccount: addManagedUser },
] as const;

for (const { page, fallback, kept, addAccount } of PAGES) {
  t.test(`${page} sends hostile ?next= values to ${fallback}, and keeps a same-site path`, async (t) => {
    const app = await buildTestApp(t);
    await addAccount(app);
    const [username, password] = page === '/signin' ? ['admin', ADMIN_PASSWORD] : ['mira', USER_PASSWORD];

    for (const [next, expected] of [...HOSTILE.map((value) => [value, fallback]), [kept, kept]] as const) {
      const label = JSON.stringify(next);
      const client = new Client(app);
      const form = await client.get(`${page}?next=${encodeURIComponent(next)}`);
      t.equal(form.statusCode, 200, `${label}: the page shows`);
      const keptValue = /name="next" value="([^"]*)"/.exec(form.body)?.[1];
      t.equal(keptValue?.replaceAll('&amp;', '&'), expected, `${label}: the form carries ${expected}`);

      const res = await client.post(page, { username, password, next });
      t.equal(res.statusCode, 302, `${label}: signed in`);
      t.equal(res.headers.location, expected, `${label}: sent to ${expected}`);
      t.equal(res.headers['set-cookie']?.toString().includes('planted'), false, `${label}: no header was injected`);
    }
  });
}
