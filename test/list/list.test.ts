import { PERMISSIONS } from '../../src/db/schema.js';
import type { FastifyInstance } from 'fastify';
import { and, sql } from 'drizzle-orm';
import t from 'tap';
import { hashPassword } from '../../src/auth/passwords.js';
import { COLUMNS } from '../../src/list/columns.js';
import { listConditions } from '../../src/list/list-repository.js';
import { parseListQuery } from '../../src/list/list-query.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, type ReferenceTable, referenceId, type UserFields } from '../helpers/directory.js';
import { countText, decode, headingsIn, pagerLink, sorted, usernamesIn } from '../helpers/list-page.js';

function flashes(html: string): string[] {
  return [...html.matchAll(/<p class="flash[^"]*"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => decode(m[1]!));
}

async function page(t: Checks, browser: Client, url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await browser.get(url, headers);
  t.equal(res.statusCode, 200, `GET ${url}`);
  return res.body;
}

/** The list for these URL parameters, as the set of usernames shown. */
async function shown(t: Checks, browser: Client, params: Record<string, string | number>): Promise<string[]> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return sorted(usernamesIn(await page(t, browser, `/users${query ? `?${query}` : ''}`)));
}

/** Posts a form whose fields may repeat (checkboxes), with the CSRF token of the last page. */
async function postForm(
  app: FastifyInstance,
  browser: Client,
  url: string,
  fields: [string, string][],
  withToken = true,
) {
  const body = new URLSearchParams(withToken ? [['_csrf', browser.csrfToken], ...fields] : fields);
  return app.inject({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader },
  });
}

/** What the helpers need of a test: somewhere to check the status. */
type Checks = Pick<typeof t, 'equal'>;

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const PASSWORD = 'another correct horse battery';

// ---------------------------------------------------------------------------------------------
// The directory: the superuser (admin, "Ada Admin") and these people, created in this order.

type Person = UserFields & { supervisor?: string };

const PEOPLE: Person[] = [
  {
    username: 'mgarcia',
    firstName: 'Maria',
    lastName: 'Garcia',
    email: 'maria.garcia@acme.test',
    phone: '+46 70 111 22 33',
    groups: ['Sales'],
    territory: 'North',
    companies: ['Acme'],
    role: 'Manager',
    userType: 'Employee',
    licenceType: 'full',
    lastSigninAt: day('2025-03-01'),
  },
  {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Anderson',
    email: 'ann@acme.test',
    groups: ['Sales'],
    territory: 'North',
    companies: ['Acme'],
    role: 'Agent',
    userType: 'Employee',
    licenceType: 'viewer',
    supervisor: 'mgarcia',
    lastSigninAt: day('2025-01-15'),
  },
  {
    username: 'bob',
    firstName: 'Bob',
    lastName: 'Stone',
    email: 'bob@globex.test',
    groups: ['Support'],
    territory: 'South',
    companies: ['Globex'],
    role: 'Agent',
    userType: 'Contractor',
    licenceType: 'none',
    status: 'inactive',
    notes: 'Key holder',
    supervisor: 'mgarcia',
  },
  {
    username: 'asa',
    firstName: 'Åsa',
    lastName: 'Öström',
    email: 'asa@acme.test',
    groups: ['Engineering'],
    territory: 'West',
    companies: ['Acme', 'Globex'],
    role: 'Developer',
    userType: 'Employee',
    licenceType: 'full',
    supervisor: 'mgarcia',
    lastSigninAt: day('2025-06-10'),
  },
  {
    username: 'carl',
    firstName: 'Carl',
    lastName: 'Diaz',
    email: 'carl@globex.test',
    phone: '555-0199',
    groups: ['Engineering', 'Support'],
    territory: 'South',
    companies: ['Globex'],
    role: 'Developer',
    userType: 'Contractor',
    licenceType: 'viewer',
    lastSigninAt: day('2025-04-01'),
  },
  {
    username: 'dana',
    firstName: 'Dana',
    lastName: 'Evans',
    email: 'dana@example.org',
    groups: ['Support'],
    territory: 'North',
    role: 'Agent',
    userType: 'Employee',
    licenceType: 'none',
    status: 'inactive',
    lastSigninAt: day('2024-11-20'),
  },
  {
    username: 'jhanson',
    firstName: 'Joanna',
    lastName: 'Hanson',
    email: 'joanna.h@acme.test',
    groups: ['Sales'],
    territory: 'West',
    companies: ['Acme'],
    role: 'Agent',
    userType: 'Contractor',
    licenceType: 'viewer',
    lastSigninAt: day('2025-02-20'),
  },
  {
    username: 'annika',
    firstName: 'Annika',
    lastName: 'Berg',
    email: 'annika@globex.test',
    groups: ['Engineering'],
    territory: 'North',
    companies: ['Globex'],
    role: 'Developer',
    userType: 'Employee',
    licenceType: 'full',
    supervisor: 'carl',
  },
  {
    username: 'pobrien',
    firstName: 'Pat',
    lastName: "O'Brien",
    email: 'pat@example.org',
    groups: ['Support'],
    territory: 'West',
    userType: 'Employee',
    notes: `' OR 1=1 -- 50% a_b "quoted" back\\slash ;DROP TABLE users [urgent]?`,
  },
  { username: 'ed', firstName: 'Ed', lastName: 'Fox' },
  // In the trash: never listed, whatever the filter.
  {
    username: 'gone',
    firstName: 'Gary',
    lastName: 'Gone',
    groups: ['Sales'],
    territory: 'North',
    companies: ['Acme'],
    licenceType: 'full',
    supervisor: 'mgarcia',
    notes: 'Key holder',
    deletedAt: new Date(),
  },
];

const EVERYONE = sorted(['admin', ...PEOPLE.map((p) => p.username).filter((u) => u !== 'gone')]);

function addPeople(app: FastifyInstance, people: Person[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const { supervisor, ...fields } of people) {
    const user = addUser(app.db, {
      ...fields,
      supervisorId: supervisor === undefined ? undefined : ids.get(supervisor)!,
    });
    ids.set(user.username, user.id);
  }
  return ids;
}

const app = await buildTestApp(t);
const admin = await addSuperuser(app);
const ids = addPeople(app, PEOPLE);
const ref = (table: ReferenceTable, name: string) => referenceId(app.db, table, name);
const browser = new Client(app);
await browser.signIn();

// ---------------------------------------------------------------------------------------------

t.test('the whole directory, without filters', async (t) => {
  const html = await page(t, browser, '/users');
  t.same(sorted(usernamesIn(html)), EVERYONE, 'everyone but the user in the trash');
  t.equal(countText(html), `Showing 1–${EVERYONE.length} of ${EVERYONE.length} users`);
  t.match(html, /<form id="user-filters"/, 'the filter form is on the page');
  t.match(html, /<html/);
});

t.test('each quick filter alone lists exactly its users', async (t) => {
  const cases: [Record<string, string | number>, string[]][] = [
    [{ group: ref('groups', 'Sales') }, ['mgarcia', 'ann', 'jhanson']],
    [{ group: ref('groups', 'Engineering') }, ['asa', 'carl', 'annika']],
    [{ group: ref('groups', 'Support') }, ['bob', 'carl', 'dana', 'pobrien']],
    [{ territory: ref('territories', 'South') }, ['bob', 'carl']],
    [{ territory: ref('territories', 'North') }, ['mgarcia', 'ann', 'dana', 'annika']],
    [{ company: ref('companies', 'Acme') }, ['mgarcia', 'ann', 'asa', 'jhanson']],
    [{ company: ref('companies', 'Globex') }, ['bob', 'asa', 'carl', 'annika']],
    [{ type: ref('user_types', 'Contractor') }, ['bob', 'carl', 'jhanson']],
    [{ role: ref('roles', 'Agent') }, ['ann', 'bob', 'dana', 'jhanson']],
    [{ role: ref('roles', 'Manager') }, ['mgarcia']],
    [{ supervisor: ids.get('mgarcia')! }, ['ann', 'bob', 'asa']],
    [{ supervisor: ids.get('carl')! }, ['annika']],
    [{ status: 'active' }, ['admin', 'mgarcia', 'ann', 'asa', 'carl', 'jhanson', 'annika', 'pobrien', 'ed']],
    [{ status: 'inactive' }, ['bob', 'dana']],
    [{ licence: 'full' }, ['admin', 'mgarcia', 'asa', 'annika']],
    [{ licence: 'viewer' }, ['ann', 'carl', 'jhanson']],
    [{ licence: 'none' }, ['bob', 'dana', 'pobrien', 'ed']],
  ];
  for (const [params, expected] of cases) {
    t.same(await shown(t, browser, params), sorted(expected), JSON.stringify(params));
  }
});

t.test('"all" choices and invalid values do not narrow the list', async (t) => {
  t.same(await shown(t, browser, { status: '' }), EVERYONE, 'any status');
  t.same(await shown(t, browser, { company: '' }), EVERYONE, 'all companies');
  t.same(
    await shown(t, browser, { group: 'abc', territory: '0', role: '-3', status: 'deleted', licence: 'gold' }),
    EVERYONE,
  );
  t.same(await shown(t, browser, { group: 99999 }), [], 'a group that does not exist matches no one');
});

t.test('quick filters combine', async (t) => {
  const cases: [Record<string, string | number>, string[]][] = [
    [{ group: ref('groups', 'Sales'), territory: ref('territories', 'North') }, ['mgarcia', 'ann']],
    [{ status: 'active', licence: 'viewer' }, ['ann', 'carl', 'jhanson']],
    [
      { company: ref('companies', 'Globex'), role: ref('roles', 'Developer'), type: ref('user_types', 'Employee') },
      ['asa', 'annika'],
    ],
    [{ group: ref('groups', 'Support'), status: 'inactive', territory: ref('territories', 'North') }, ['dana']],
    [{ supervisor: ids.get('mgarcia')!, status: 'active' }, ['ann', 'asa']],
    [{ q: 'acme', licence: 'full' }, ['mgarcia', 'asa']],
    [{ group: ref('groups', 'Sales'), territory: ref('territories', 'South') }, []],
  ];
  for (const [params, expected] of cases) {
    t.same(await shown(t, browser, params), sorted(expected), JSON.stringify(params));
  }
});

t.test('ad hoc filters', async (t) => {
  const cases: [Record<string, string>, string[]][] = [
    [{ field: 'email', op: 'contains', value: 'acme' }, ['mgarcia', 'ann', 'asa', 'jhanson']],
    [{ field: 'email', op: 'contains', value: 'ACME' }, ['mgarcia', 'ann', 'asa', 'jhanson']],
    [{ field: 'username', op: 'starts', value: 'ann' }, ['ann', 'annika']],
    [{ field: 'username', op: 'eq', value: 'ANN' }, ['ann']],
    [{ field: 'email', op: 'empty' }, ['ed']],
    [{ field: 'notes', op: 'empty' }, ['admin', 'mgarcia', 'ann', 'asa', 'carl', 'dana', 'jhanson', 'annika', 'ed']],
    [{ field: 'lastSignin', op: 'before', value: '2025-01-01' }, ['dana']],
    [{ field: 'lastSignin', op: 'after', value: '2025-05-01' }, ['asa', 'admin']],
    [{ field: 'lastSignin', op: 'empty' }, ['bob', 'annika', 'pobrien', 'ed']],
    [{ field: 'territory', op: 'eq', value: 'north' }, ['mgarcia', 'ann', 'dana', 'annika']],
    [{ field: 'territory', op: 'empty' }, ['admin', 'ed']],
    [{ field: 'groups', op: 'eq', value: 'Support' }, ['bob', 'carl', 'dana', 'pobrien']],
    [{ field: 'companies', op: 'empty' }, ['admin', 'dana', 'pobrien', 'ed']],
    [{ field: 'supervisor', op: 'contains', value: 'garcia' }, ['ann', 'bob', 'asa']],
    [{ field: 'name', op: 'starts', value: 'joanna' }, ['jhanson']],
    [{ field: 'licence', op: 'eq', value: 'viewer' }, ['ann', 'carl', 'jhanson']],
  ];
  for (const [params, expected] of cases) {
    t.same(await shown(t, browser, params), sorted(expected), JSON.stringify(params));
  }
  const html = await page(t, browser, '/users?field=email&op=contains&value=acme');
  t.match(html, /<li class="chip"><span>Email contains “acme”<\/span>/, 'the filter is shown as a chip');
  t.same(
    await shown(t, browser, { field: 'lastSignin', op: 'before', value: 'last tuesday' }),
    EVERYONE,
    'an unreadable date is ignored',
  );
  t.same(
    await shown(t, browser, { field: 'email', op: 'before', value: '2025-01-01' }),
    EVERYONE,
    'an operator the field does not take is ignored',
  );
});

t.test('ad hoc text filters find accented names, typed as shown or in another case', async (t) => {
  // The list shows "Åsa Öström"; an administrator types what they see.
  t.same(
    await shown(t, browser, { field: 'lastName', op: 'eq', value: 'Öström' }),
    ['asa'],
    'last name equals "Öström", exactly as stored',
  );
  t.same(
    await shown(t, browser, { field: 'lastName', op: 'starts', value: 'Öst' }),
    ['asa'],
    'last name starts with "Öst"',
  );
  t.same(
    await shown(t, browser, { field: 'firstName', op: 'contains', value: 'Ås' }),
    ['asa'],
    'first name contains "Ås"',
  );
  t.same(
    await shown(t, browser, { field: 'name', op: 'eq', value: 'Åsa Öström' }),
    ['asa'],
    'name equals "Åsa Öström"',
  );
  t.same(await shown(t, browser, { field: 'lastName', op: 'eq', value: 'öström' }), ['asa'], 'in lower case');
  t.same(
    await shown(t, browser, { field: 'lastName', op: 'contains', value: 'ström' }),
    ['asa'],
    'control: no capital letter involved',
  );
});

t.test('search finds a substring in any attribute', async (t) => {
  const cases: [string, string[], string][] = [
    ['jhans', ['jhanson'], 'username'],
    ['globex.test', ['bob', 'carl', 'annika'], 'email'],
    ['0199', ['carl'], 'phone'],
    ['"111 22"', ['mgarcia'], 'phone, a quoted term with a space'],
    ['enginee', ['asa', 'carl', 'annika'], 'group name'],
    ['west', ['asa', 'jhanson', 'pobrien'], 'territory name'],
    ['globex', ['bob', 'asa', 'carl', 'annika'], 'company name (and emails)'],
    ['garcia', ['mgarcia', 'ann', 'bob', 'asa'], 'supervisor name'],
    ['holder', ['bob'], 'notes'],
    ['"Key holder"', ['bob'], 'a quoted phrase in notes'],
    ['Key holder', ['bob'], 'two words, both required'],
    ['GARCIA sales', ['mgarcia', 'ann'], 'every term must match'],
  ];
  for (const [q, expected, what] of cases) {
    t.same(await shown(t, browser, { q }), sorted(expected), `${what}: ${q}`);
  }
});

t.test('search ignores case and diacritics', async (t) => {
  t.same(await shown(t, browser, { q: 'asa' }), ['asa'], '"asa" finds Åsa');
  t.same(await shown(t, browser, { q: 'ÖSTRÖM' }), ['asa']);
  t.same(await shown(t, browser, { q: 'ostrom' }), ['asa']);
  t.same(await shown(t, browser, { q: 'Åsa Öström' }), ['asa']);
});

t.test('wildcards: ann* starts with, *son ends with', async (t) => {
  t.same(await shown(t, browser, { q: 'ann' }), ['ann', 'annika', 'jhanson'], 'plain: anywhere (Joanna)');
  t.same(await shown(t, browser, { q: 'ann*' }), ['ann', 'annika'], 'a value starting with ann');
  t.same(await shown(t, browser, { q: 'ann%' }), ['ann', 'annika'], '% works like *');
  t.same(await shown(t, browser, { q: '*son' }), ['ann', 'jhanson'], 'a value ending with son (Anderson, Hanson)');
  t.same(await shown(t, browser, { q: 'j*n' }), ['jhanson'], 'a value starting with j and ending with n');
});

t.test('supervisor:NAME and supervisor=ID list exactly that manager’s reports', async (t) => {
  const reports = ['ann', 'asa', 'bob'];
  t.same(await shown(t, browser, { q: 'supervisor:Maria' }), reports);
  t.same(await shown(t, browser, { q: 'supervisor:maria' }), reports);
  t.same(await shown(t, browser, { q: 'supervisor:"Maria Garcia"' }), reports);
  t.same(await shown(t, browser, { supervisor: ids.get('mgarcia')! }), reports);
  t.same(await shown(t, browser, { q: 'supervisor:Carl' }), ['annika']);
  t.same(await shown(t, browser, { q: 'supervisor:"Nobody Here"' }), []);
  t.same(await shown(t, browser, { q: 'supervisor:Maria west' }), ['asa'], 'with another term');
  t.same(await shown(t, browser, { q: 'supervisor:Garcia' }), reports, 'by last name, as the picker suggests');
  t.same(await shown(t, browser, { q: 'supervisor:garc' }), reports, 'by the start of the last name');
  t.same(await shown(t, browser, { q: 'supervisor:"Garcia Maria"' }), reports, 'last name first');
  t.same(await shown(t, browser, { q: 'supervisor:Diaz' }), ['annika']);

  const where = and(...listConditions(admin, parseListQuery({ q: 'supervisor:Garcia' }), 'UTC'))!;
  const plan = app.db
    .all<{ detail: string }>(sql`explain query plan select u.id from users u where ${where} limit 10`)
    .map((p) => p.detail)
    .join('\n');
  t.match(plan, /users_supervisor_sort \(supervisor_sort>\? AND supervisor_sort<\?\)/, 'each way is an index range');
  t.match(plan, /users_name_sort \(name_sort>\? AND name_sort<\?\)/);
  t.notMatch(plan, /SCAN u\b/, 'never a scan of every user');

  const html = await page(t, browser, `/users?supervisor=${ids.get('mgarcia')}`);
  t.match(html, /<span>Supervisor: Maria Garcia<\/span>/, 'the chip names the supervisor');
  t.match(
    html,
    new RegExp(`<input type="hidden" name="supervisor" value="${ids.get('mgarcia')}">`),
    'the filter form keeps it',
  );
});

t.test('one- and two-character terms (too short for the trigram index) still match correctly', async (t) => {
  t.same(
    await shown(t, browser, { q: 'z' }),
    sorted(['carl', 'annika']),
    'Diaz, and Annika whose supervisor is Carl Diaz',
  );
  t.same(
    await shown(t, browser, { q: 'ob' }),
    sorted(['bob', 'pobrien', 'asa', 'carl', 'annika']),
    'Bob, pobrien and everyone at Globex',
  );
  t.same(await shown(t, browser, { q: 'ed' }), sorted(['ed', 'pobrien']), 'Ed, and "quoted" in a note');
  t.same(await shown(t, browser, { q: 'ob acme' }), ['asa'], 'a short term with a long one');
  t.same(
    await shown(t, browser, { q: 'Å' }),
    EVERYONE.filter((u) => u !== 'ed'),
    'Å is folded to a: everyone but Ed Fox has an a',
  );
});

t.test('SQL metacharacters are plain text in the search box and in ad hoc values', async (t) => {
  const before = app.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;
  for (const q of ["' OR 1=1 --", '_', '"', '\\', ';DROP TABLE users', 'a_b', '1=1', "o'brien"]) {
    t.same(await shown(t, browser, { q }), ['pobrien'], `search ${q}`);
  }
  t.same(await shown(t, browser, { q: "x' OR '1'='1" }), [], 'no one contains that');
  // GLOB's own metacharacters: literal too, on the trigram path (3+ letters) and off it.
  for (const q of ['[urgent]', '[urgent]?', 'nt]?', '?', '[', ']', '[u']) {
    t.same(await shown(t, browser, { q }), ['pobrien'], `search ${q}`);
  }
  for (const q of ['urgent?', 'urgen?', '[ur]', '[a-z]ugent', 'u?gent']) {
    t.same(await shown(t, browser, { q }), [], `search ${q}: ? and [] are not wildcards`);
  }
  for (const value of ["' OR 1=1 --", '%', '_', '"', '\\', ';DROP TABLE users', '50%', 'a_b']) {
    t.same(await shown(t, browser, { field: 'notes', op: 'contains', value }), ['pobrien'], `notes contains ${value}`);
  }
  for (const value of ['%', '_', "' OR 1=1 --", '\\']) {
    t.same(await shown(t, browser, { field: 'email', op: 'contains', value }), [], `email contains ${value}: no one`);
  }
  t.same(await shown(t, browser, { field: 'username', op: 'eq', value: "' OR 1=1 --" }), []);
  t.same(await shown(t, browser, { field: 'username', op: 'starts', value: '%' }), []);
  t.same(await shown(t, browser, { field: 'territory', op: 'eq', value: "north' OR '1'='1" }), []);
  t.same(await shown(t, browser, { field: 'groups', op: 'contains', value: '%' }), []);

  t.equal(app.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n, before, 'the users table is intact');
  t.same(await shown(t, browser, {}), EVERYONE, 'and the list still shows everyone');
});

t.test('sorting by a column, ascending and descending, ties broken by id', async (t) => {
  const cases: [string, string[]][] = [
    ['', ['admin', 'ann', 'annika', 'carl', 'dana', 'ed', 'mgarcia', 'jhanson', 'pobrien', 'asa', 'bob']],
    ['username', ['admin', 'ann', 'annika', 'asa', 'bob', 'carl', 'dana', 'ed', 'jhanson', 'mgarcia', 'pobrien']],
    ['email', ['ed', 'admin', 'ann', 'annika', 'asa', 'bob', 'carl', 'dana', 'jhanson', 'mgarcia', 'pobrien']],
    ['territory', ['admin', 'ed', 'mgarcia', 'ann', 'dana', 'annika', 'bob', 'carl', 'asa', 'jhanson', 'pobrien']],
    ['licence', ['admin', 'mgarcia', 'asa', 'annika', 'bob', 'dana', 'pobrien', 'ed', 'ann', 'carl', 'jhanson']],
    ['lastSignin', ['bob', 'annika', 'pobrien', 'ed', 'dana', 'ann', 'jhanson', 'mgarcia', 'carl', 'asa', 'admin']],
    ['groups', ['admin', 'ed', 'asa', 'annika', 'carl', 'mgarcia', 'ann', 'jhanson', 'bob', 'dana', 'pobrien']],
  ];
  for (const [sort, ascending] of cases) {
    const key = sort || 'name';
    const label = COLUMNS.find((c) => c.key === key)!.label;
    const up = await page(t, browser, sort ? `/users?sort=${sort}` : '/users');
    t.same(usernamesIn(up), ascending, `${key} ascending`);
    const headings = headingsIn(up);
    const heading = headings.find((h) => h.label === label)!;
    t.match(heading, { ariaSort: 'ascending', arrow: '↑' }, `${label} heading says ascending`);
    t.same(
      headings.filter((h) => h !== heading).map((h) => [h.ariaSort, h.arrow]),
      headings.slice(1).map(() => ['none', '']),
      'other headings are not sorted',
    );

    // Clicking the heading again reverses the order, ties included.
    t.equal(heading.href, `/users?sort=-${key}`);
    const down = await page(t, browser, heading.href);
    t.same(usernamesIn(down), [...ascending].reverse(), `${key} descending`);
    const reversed = headingsIn(down).find((h) => h.label === label)!;
    t.match(reversed, { ariaSort: 'descending', arrow: '↓' }, `${label} heading says descending`);
    t.equal(reversed.href, key === 'name' ? '/users' : `/users?sort=${key}`, 'and links back to ascending');
  }

  const other = headingsIn(await page(t, browser, '/users?sort=-email')).find((h) => h.label === 'Username')!;
  t.equal(other.href, '/users?sort=username', 'another heading starts ascending');
  const keep = headingsIn(await page(t, browser, '/users?status=active&size=25&sort=email')).find(
    (h) => h.label === 'Email',
  )!;
  t.equal(keep.href, '/users?status=active&sort=-email&size=25', 'sorting keeps filters and page size');
});

t.test('the htmx fragment holds only the results; history restore gets the whole page', async (t) => {
  const partial = await browser.get('/users?status=inactive', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.equal(partial.statusCode, 200);
  t.notMatch(partial.body, /<html/i, 'no page around it');
  t.notMatch(partial.body, /<form id="user-filters"/, 'no filter form');
  t.notMatch(partial.body, /id="user-results"/, 'not the region itself, only what goes inside it');
  t.same(sorted(usernamesIn(partial.body)), ['bob', 'dana']);
  t.equal(countText(partial.body), 'Showing 1–2 of 2 users');
  t.match(String(partial.headers.vary), /HX-Request/i, 'caches keep the fragment and the page apart');

  const restore = await browser.get('/users?status=inactive', { 'hx-request': 'true', 'hx-request-type': 'full' });
  t.equal(restore.statusCode, 200);
  t.match(restore.body, /<html/);
  t.match(restore.body, /<form id="user-filters"/);
  t.same(sorted(usernamesIn(restore.body)), ['bob', 'dana']);
  t.match(String(restore.headers.vary), /HX-Request/i);

  const plain = await browser.get('/users');
  t.match(String(plain.headers.vary), /HX-Request/i, 'the full page varies too');
});

t.test('a filter that matches no one: "No users match" and a way back', async (t) => {
  const html = await page(t, browser, '/users?q=zzzzzz&status=inactive&sort=email');
  t.same(usernamesIn(html), []);
  t.match(html, /<h2>No users match<\/h2>/);
  t.notMatch(html, /No users yet/);
  const clear = /<a class="button" href="([^"]*)"[^>]*>Clear all filters<\/a>/.exec(html);
  t.ok(clear, 'a "Clear all filters" link');
  t.equal(decode(clear![1]!), '/users?sort=email', 'it keeps the sort');
  t.same(sorted(usernamesIn(await page(t, browser, decode(clear![1]!)))), EVERYONE);
});

t.test('the chips of active filters each remove one filter', async (t) => {
  const html = await page(t, browser, `/users?q=acme&group=${ref('groups', 'Sales')}`);
  t.same(sorted(usernamesIn(html)), ['ann', 'jhanson', 'mgarcia']);
  const chips = [...html.matchAll(/<li class="chip"><span>([^<]*)<\/span><a href="([^"]*)"/g)].map((m) => ({
    label: decode(m[1]!),
    href: decode(m[2]!),
  }));
  t.same(
    chips.map((c) => c.label),
    ['Search: acme', 'Group: Sales'],
  );
  t.same(await shown(t, browser, Object.fromEntries(new URL(chips[0]!.href, 'http://x').searchParams)), [
    'ann',
    'jhanson',
    'mgarcia',
  ]);
  t.same(await shown(t, browser, Object.fromEntries(new URL(chips[1]!.href, 'http://x').searchParams)), [
    'ann',
    'asa',
    'jhanson',
    'mgarcia',
  ]);
});

// ---------------------------------------------------------------------------------------------

t.test('paging through 60 users, 25 at a time, by the links on the page', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const lastNames = ['Smith', 'Jones', 'Brown'];
  const created: { username: string; lastName: string; id: number }[] = [];
  for (let i = 1; i <= 59; i++) {
    const username = `user${String(i).padStart(2, '0')}`;
    const lastName = lastNames[i % 3]!;
    created.push({ username, lastName, id: addUser(app.db, { username, firstName: 'Sam', lastName }).id });
  }
  // By name: "admin ada" first, then Brown, Jones, Smith; equal names in the order they were added.
  const byName = [
    'admin',
    ...created.sort((a, b) => a.lastName.localeCompare(b.lastName) || a.id - b.id).map((u) => u.username),
  ];
  const browser = new Client(app);
  await browser.signIn();

  const first = await page(t, browser, '/users?size=25');
  t.same(usernamesIn(first), byName.slice(0, 25));
  t.equal(countText(first), 'Showing 1–25 of 60 users');
  t.match(first, /Page 1 of 3/);
  t.equal(pagerLink(first, 'First'), undefined, 'no First on page 1');
  t.equal(pagerLink(first, 'Previous'), undefined, 'no Previous on page 1');

  const second = await page(t, browser, pagerLink(first, 'Next')!);
  t.match(pagerLink(first, 'Next')!, /size=25/, 'links keep the page size');
  t.same(usernamesIn(second), byName.slice(25, 50), 'Next: the following 25, with no gap or repeat');
  t.equal(countText(second), 'Showing 26–50 of 60 users');

  const third = await page(t, browser, pagerLink(second, 'Next')!);
  t.same(usernamesIn(third), byName.slice(50), 'the last ten');
  t.equal(countText(third), 'Showing 51–60 of 60 users');
  t.equal(pagerLink(third, 'Next'), undefined, 'no Next on the last page');
  t.equal(pagerLink(third, 'Last'), undefined, 'no Last on the last page');

  const back = await page(t, browser, pagerLink(third, 'Previous')!);
  t.same(usernamesIn(back), byName.slice(25, 50), 'Previous from page 3');
  t.equal(countText(back), 'Showing 26–50 of 60 users');
  t.same(usernamesIn(await page(t, browser, pagerLink(back, 'Next')!)), byName.slice(50), 'and Next again');
  const backToStart = await page(t, browser, pagerLink(back, 'Previous')!);
  t.same(usernamesIn(backToStart), byName.slice(0, 25), 'Previous from page 2');
  t.equal(pagerLink(backToStart, 'Previous'), undefined);

  t.same(usernamesIn(await page(t, browser, pagerLink(second, 'First')!)), byName.slice(0, 25), 'First');
  t.same(usernamesIn(await page(t, browser, '/users?size=25&page=2')), byName.slice(25, 50), 'a typed page number');
  t.same(usernamesIn(await page(t, browser, '/users?size=25&page=3')), byName.slice(50), 'a typed page number');

  const last = await page(t, browser, pagerLink(first, 'Last')!);
  t.same(usernamesIn(last), byName.slice(50), 'Last: the same ten rows as page 3');
  t.equal(countText(last), 'Showing 51–60 of 60 users');
  t.match(last, /Page 3 of 3/);
  const beforeLast = await page(t, browser, pagerLink(last, 'Previous')!);
  t.same(usernamesIn(beforeLast), byName.slice(25, 50), 'Previous from Last is page 2');
  t.equal(countText(beforeLast), 'Showing 26–50 of 60 users');
  t.same(usernamesIn(await page(t, browser, pagerLink(last, 'First')!)), byName.slice(0, 25), 'First from Last');

  // Walking any order page by page, forwards with Next and back with Previous, meets every
  // user exactly once: the cursors hold even where many rows tie on the sorted value.
  const byId = ['admin', ...created.sort((a, b) => a.id - b.id).map((u) => u.username)];
  const orders: [string, string[]][] = [
    ['-username', [...byName].sort().reverse()],
    ['firstName', byName],
    ['-firstName', [...byName].reverse()],
    ['lastSignin', [...byId.slice(1), 'admin']],
    ['-lastSignin', ['admin', ...byId.slice(1).reverse()]],
    ['groups', byId],
    ['-status', [...byId].reverse()],
  ];
  for (const [sort, expected] of orders) {
    const forward: string[] = [];
    let html = await page(t, browser, `/users?size=25&sort=${sort}`);
    for (let n = 0; n < 5; n++) {
      forward.push(...usernamesIn(html));
      const next = pagerLink(html, 'Next');
      if (!next) break;
      html = await page(t, browser, next);
    }
    t.same(forward, expected, `sort=${sort}: Next, Next… no duplicates, no gaps`);
    const backward: string[][] = [];
    for (let n = 0; n < 5; n++) {
      backward.unshift(usernamesIn(html));
      const previous = pagerLink(html, 'Previous');
      if (!previous) break;
      html = await page(t, browser, previous);
    }
    t.same(backward.flat(), expected, `sort=${sort}: Previous, Previous… back to the start`);
    t.equal(countText(html), 'Showing 1–25 of 60 users');
  }

  const searched = await page(t, browser, '/users?size=25&q=sam');
  t.equal(countText(searched), 'Showing 1–25 of 59 users', 'a search counts its matches');
  const searchedNext = await page(t, browser, pagerLink(searched, 'Next')!);
  t.match(pagerLink(searched, 'Next')!, /q=sam/, 'links keep the search');
  t.same(usernamesIn(searchedNext), byName.slice(26, 51));
  t.equal(countText(searchedNext), 'Showing 26–50 of 59 users');
});

// ---------------------------------------------------------------------------------------------

t.test('a fresh directory, filtered to something impossible, offers to clear the filters', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  t.same(usernamesIn(await page(t, browser, '/users')), ['admin']);
  const html = await page(t, browser, '/users?q=nobody-like-this&licence=viewer');
  t.same(usernamesIn(html), []);
  t.equal(countText(html), '', 'the empty state says it, once');
  t.match(html, /<h2>No users match<\/h2>/);
  const clear = /<a class="button" href="([^"]*)"[^>]*>Clear all filters<\/a>/.exec(html);
  t.equal(clear && decode(clear[1]!), '/users');
  t.same(usernamesIn(await page(t, browser, '/users')), ['admin'], 'clearing shows the directory again');
});

t.test('an administrator without a scope sees no one, and learns no names', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const ids = addPeople(app, PEOPLE.slice(0, 4));
  addUser(app.db, {
    username: 'helpdesk',
    firstName: 'Hal',
    lastName: 'Desk',
    adminRole: 'admin',
    adminPermissions: [...PERMISSIONS],
    passwordHash: await hashPassword(PASSWORD),
  });
  const scoped = new Client(app);
  t.equal((await scoped.signIn('helpdesk', PASSWORD)).statusCode, 302, 'signed in');

  const overview = await page(t, scoped, '/');
  const figures = [...overview.matchAll(/<p class="tile-figure">([^<]*)<\/p>/g)].map((m) => m[1]);
  t.ok(figures.length > 0 && figures.every((f) => f === '0'), `the overview counts zero users (${figures.join(', ')})`);

  const html = await page(t, scoped, '/users');
  t.same(usernamesIn(html), []);
  t.match(html, /<h2>No users yet<\/h2>/);
  t.notMatch(html, /No users match/);
  t.notMatch(html, /Showing/);

  const fragment = await scoped.get('/users', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.match(fragment.body, /<h2>No users yet<\/h2>/);

  const bySupervisor = await page(t, scoped, `/users?supervisor=${ids.get('mgarcia')}`);
  t.same(usernamesIn(bySupervisor), []);
  t.notMatch(bySupervisor, /Maria|Garcia/, "the supervisor's name is not revealed");
  t.match(bySupervisor, /Supervisor: unknown/);

  for (const q of ['maria', 'supervisor:Maria', 'admin', 'a']) {
    const searched = await page(t, scoped, `/users?q=${encodeURIComponent(q)}`);
    t.same(usernamesIn(searched), [], `search ${q}`);
    t.notMatch(
      searched.replace(/value="[^"]*"|<span>Search: [^<]*<\/span>/g, ''),
      /Garcia|Anderson|Ada Admin/,
      'no names in the page',
    );
  }
  for (const sort of ['name', '-lastSignin', 'supervisor']) {
    t.same(usernamesIn(await page(t, scoped, `/users?sort=${sort}&page=last`)), [], `sort ${sort}`);
  }
});

// ---------------------------------------------------------------------------------------------

t.test('user data is escaped in the list', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  addUser(app.db, {
    username: 'mallory',
    firstName: '<img src=x onerror=alert(1)>',
    lastName: 'Mallory',
    email: 'mallory@example.com',
    notes: '"><script>alert(1)</script>',
    groups: ['<b>Bold</b>'],
    territory: '<i>T</i>',
  });
  const browser = new Client(app);
  await browser.signIn();
  await page(t, browser, '/users');
  const chosen = await postForm(app, browser, '/users/columns', [
    ...COLUMNS.map((c): [string, string] => ['order', c.key]),
    ['columns', 'name'],
    ['columns', 'username'],
    ['columns', 'groups'],
    ['columns', 'territory'],
    ['columns', 'notes'],
  ]);
  t.equal(chosen.statusCode, 302);

  const urls = [
    '/users',
    `/users?q=${encodeURIComponent('<script>alert(1)</script>')}`,
    `/users?field=notes&op=contains&value=${encodeURIComponent('"><script>alert(1)</script>')}`,
    `/users?q=${encodeURIComponent('"><img src=x onerror=alert(2)>')}`,
  ];
  for (const url of urls) {
    const html = await page(t, browser, url);
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    t.same(
      scripts,
      [
        '<script src="/vendor/htmx/htmx.min.js" defer>',
        '<script src="/public/js/time-zone.js" defer>',
        '<script src="/public/js/selection.js" defer>',
        '<script src="/public/js/filter-fields.js" defer>',
      ],
      `${url}: only Roster's own script files`,
    );
    t.notMatch(html, /<img/, 'no image tag from user data');
    t.notMatch(html, /<b>|<i>/, 'no markup from reference names');
  }
  const html = await page(t, browser, '/users');
  t.same(usernamesIn(html), ['admin', 'mallory']);
  t.match(html, /&lt;img src=x onerror=alert\(1\)&gt; Mallory/, 'the name is shown as text');
  t.match(html, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the notes are shown as text');
  t.match(html, /&lt;b&gt;Bold&lt;\/b&gt;/, 'the group name is shown as text');
  const searched = await page(t, browser, `/users?q=${encodeURIComponent('<script>alert(1)</script>')}`);
  t.same(usernamesIn(searched), ['mallory'], 'and can be searched for');
});

// ---------------------------------------------------------------------------------------------

t.test('the column chooser saves each administrator’s columns and order', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  addUser(app.db, {
    username: 'root2',
    fullName: 'Second Root',
    adminRole: 'superuser',
    passwordHash: await hashPassword(PASSWORD),
  });
  const ada = new Client(app);
  await ada.signIn();
  const other = new Client(app);
  await other.signIn('root2', PASSWORD);
  const labels = async (browser: Client) => headingsIn(await page(t, browser, '/users')).map((h) => h.label);
  const DEFAULT = ['Name', 'Username', 'Email', 'Group', 'Territory', 'Role', 'Licence', 'Status', 'Last sign-in'];
  t.same(await labels(ada), DEFAULT);

  const order = [
    'email',
    'name',
    'notes',
    ...COLUMNS.map((c) => c.key).filter((k) => !['email', 'name', 'notes'].includes(k)),
  ];
  const form = (ticked: string[], extra: [string, string][] = []): [string, string][] => [
    ['back', '/users?status=active'],
    ...order.map((k): [string, string] => ['order', k]),
    ...ticked.map((k): [string, string] => ['columns', k]),
    ...extra,
  ];

  await page(t, ada, '/users');
  const saved = await postForm(app, ada, '/users/columns', form(['name', 'notes', 'email']));
  t.equal(saved.statusCode, 302);
  t.equal(saved.headers.location, '/users?status=active', 'back to the same list');
  t.same(await labels(ada), ['Email', 'Name', 'Notes'], 'headings follow the chosen order, not the ticking order');
  t.same(await labels(other), DEFAULT, 'another administrator still sees the defaults');
  const rows = await page(t, ada, '/users');
  t.match(rows, /<td class="col-email">admin@example.com<\/td>/, 'cells follow the headings');
  t.notMatch(rows, /col-username/);

  await page(t, ada, '/users');
  const moved = await postForm(app, ada, '/users/columns', form(['email', 'name', 'notes'], [['move', 'notes:up']]));
  t.equal(moved.statusCode, 302);
  t.equal(moved.headers.location, '/users?status=active&columns=open', 'the chooser stays open after a move');
  t.same(await labels(ada), ['Email', 'Notes', 'Name'], 'notes moved up one place');
  const open = await page(t, ada, '/users?columns=open');
  t.match(open, /<details class="menu columns-menu" open>/);

  await page(t, ada, '/users');
  const empty = await postForm(app, ada, '/users/columns', form([]));
  t.equal(empty.statusCode, 302);
  const refused = await page(t, ada, '/users');
  t.same(flashes(refused), ['Choose at least one column.']);
  t.same(
    headingsIn(refused).map((h) => h.label),
    ['Email', 'Notes', 'Name'],
    'the choice is unchanged',
  );

  const forged = await postForm(app, ada, '/users/columns', form(['status']), false);
  t.equal(forged.statusCode, 403, 'no CSRF token: refused');
  t.same(await labels(ada), ['Email', 'Notes', 'Name'], 'and nothing changed');

  await page(t, ada, '/users');
  const offsite = await postForm(app, ada, '/users/columns', [
    ...form(['status']).filter(([k]) => k !== 'back'),
    ['back', 'https://evil.example/users'],
  ]);
  t.equal(offsite.headers.location, '/users', 'never redirected off the site');
  t.same(await labels(ada), ['Status']);

  await page(t, ada, '/users');
  const reset = await postForm(app, ada, '/users/columns', form(['status'], [['reset', '1']]));
  t.equal(reset.statusCode, 302);
  const afterReset = await page(t, ada, '/users');
  t.same(
    headingsIn(afterReset).map((h) => h.label),
    DEFAULT,
    'reset restores the default',
  );
  t.same(flashes(afterReset), ['Columns reset to the default.']);
  t.same(await labels(other), DEFAULT);
});

t.test('a page number past the end says so and offers the first page', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  const html = await page(t, browser, '/users?page=9&sort=username');
  t.same(usernamesIn(html), []);
  t.match(html, /<h2>This page is past the end of the list<\/h2>/);
  t.match(html, '<a class="button" href="/users?sort=username" hx-get="/users?sort=username">Go to the first page</a>');
  t.notMatch(html, /No users match/, 'it does not pretend nothing matches');
});
