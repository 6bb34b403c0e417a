import { activeAdministrator } from '../../src/access/actor.js';
import { eq, sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';
import { auditEntries, users } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId } from '../helpers/directory.js';
import { type Pairs, postForm } from '../helpers/user-form.js';

async function setUp(t: Test) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const db = app.db;
  const ref = {
    employee: referenceId(db, 'user_types', 'Employee'),
    manager: referenceId(db, 'roles', 'Manager'),
    nordics: referenceId(db, 'territories', 'Nordics'),
    sales: referenceId(db, 'groups', 'Sales'),
    support: referenceId(db, 'groups', 'Support'),
    blue: referenceId(db, 'teams', 'Blue'),
    acme: referenceId(db, 'companies', 'Acme'),
    crm: db.get<{ id: number }>(sql`insert into addons (name) values ('CRM') returning id`)!.id,
    main: db.get<{ id: number }>(sql`insert into databases (name) values ('Main') returning id`)!.id,
  };
  const boss = addUser(db, { username: 'boss', firstName: 'Bo', lastName: 'Ssman' });
  const browser = new Client(app);
  await browser.signIn();
  await browser.get('/users/new');
  return { app, db, ref, boss, browser };
}

type Ctx = Awaited<ReturnType<typeof setUp>>;

function minimal(ctx: Ctx, extra: Pairs = []): Pairs {
  return [
    ['username', 'newbie'],
    ['userTypeId', String(ctx.ref.employee)],
    ['roleId', String(ctx.ref.manager)],
    ['licenceType', 'none'],
    ['status', 'active'],
    ['kind', 'user'],
    ['passwordMode', 'generate'],
    ['mustChangePassword', 'on'],
    ...extra,
  ];
}

const userCount = (ctx: Ctx) => ctx.db.get<{ n: number }>(sql`select count(*) as n from users`)!.n;

t.test('the new user form marks required fields and offers every reference list', async (t) => {
  const ctx = await setUp(t);
  const page = await ctx.browser.get('/users/new');
  t.equal(page.statusCode, 200);
  t.match(page.body, /<label for="field-username">Username <span class="required"/);
  t.match(page.body, /<label for="field-userTypeId">User type <span class="required"/);
  for (const name of ['Employee', 'Manager', 'Nordics', 'Sales', 'Blue', 'Acme', 'CRM', 'Main']) {
    t.ok(page.body.includes(`> ${name}</label>`) || page.body.includes(`>${name}</option>`), name);
  }
  t.match(page.body, /value="generate" checked/, 'a generated password is the default');
  t.match(page.body, /name="mustChangePassword" id="field-mustChangePassword" checked/);
  const list = await ctx.browser.get('/users');
  t.match(list.body, '<a class="button button-primary" href="/users/new">New user</a>');
});

t.test('creating a user with every field writes the row, memberships, search and audit', async (t) => {
  const ctx = await setUp(t);
  const { ref } = ctx;
  const res = await postForm(ctx.app, ctx.browser, '/users', [
    ['username', 'Ann.Oberg'],
    ['firstName', 'Ann'],
    ['lastName', 'Öberg'],
    ['fullName', 'Ann Öberg'],
    ['signature', 'AÖ'],
    ['email', 'ann@example.com'],
    ['phone', '+46 70 123 45 67'],
    ['extension', '4711'],
    ['userTypeId', String(ref.employee)],
    ['roleId', String(ref.manager)],
    ['territoryId', String(ref.nordics)],
    ['groups', String(ref.sales)],
    ['groups', String(ref.support)],
    ['teams', String(ref.blue)],
    ['companies', String(ref.acme)],
    ['addons', String(ref.crm)],
    ['databases', String(ref.main)],
    ['supervisor', `Bo Ssman (${ctx.boss.id})`],
    ['licenceType', 'full'],
    ['status', 'inactive'],
    ['twoStep', 'on'],
    ['kind', 'resource'],
    ...[0, 1, 2, 3, 4, 5, 6].map((i): [string, string] => [`hoursOdd${i}`, i < 5 ? '7.5' : '0']),
    ...[0, 1, 2, 3, 4, 5, 6].map((i): [string, string] => [`hoursEven${i}`, i < 4 ? '8' : '']),
    ['notes', 'Works remotely'],
    ['passwordMode', 'set'],
    ['password', 'a perfectly fine passphrase'],
  ]);
  t.equal(res.statusCode, 303, res.body);
  const user = ctx.db.select().from(users).where(eq(users.username, 'Ann.Oberg')).get()!;
  t.equal(res.headers.location, `/users/${user.id}`);
  t.match(user, {
    firstName: 'Ann',
    lastName: 'Öberg',
    fullName: 'Ann Öberg',
    signature: 'AÖ',
    email: 'ann@example.com',
    phone: '+46 70 123 45 67',
    extension: '4711',
    userTypeId: ref.employee,
    roleId: ref.manager,
    territoryId: ref.nordics,
    supervisorId: ctx.boss.id,
    licenceType: 'full',
    status: 'inactive',
    twoStepEnabled: true,
    kind: 'resource',
    availability: { odd: [7.5, 7.5, 7.5, 7.5, 7.5, 0, 0], even: [8, 8, 8, 8, 0, 0, 0] },
    notes: 'Works remotely',
    mustChangePassword: false,
    version: 1,
  });
  t.ok(await verifyPassword(user.passwordHash!, 'a perfectly fine passphrase'), 'the chosen password is stored');
  const members = (table: string) =>
    ctx.db
      .all<{ ref_id: number }>(
        sql`select ref_id from ${sql.identifier(table)} where user_id = ${user.id} order by ref_id`,
      )
      .map((r) => r.ref_id);
  t.same(
    members('user_groups'),
    [ref.sales, ref.support].sort((a, b) => a - b),
  );
  t.same(members('user_teams'), [ref.blue]);
  t.same(members('user_companies'), [ref.acme]);
  t.same(members('user_addons'), [ref.crm]);
  t.same(members('user_databases'), [ref.main]);
  t.match(user.searchDoc, 'oberg');
  t.equal(user.supervisorSort, 'bo ssman');

  const page = await ctx.browser.get(`/users/${user.id}`);
  t.match(page.body, 'Ann Öberg was created.');
  t.notMatch(page.body, 'Generated password', 'a chosen password is never shown');

  const found = await ctx.browser.get('/users?q=oberg');
  t.match(found.body, `<a href="/users/${user.id}">Ann Öberg</a>`, 'the list search finds the new user');

  const audit = ctx.db.select().from(auditEntries).where(eq(auditEntries.action, 'user.create')).all();
  t.equal(audit.length, 1);
  t.match(audit[0], { targetUserId: user.id, targetName: 'Ann Öberg', actorName: 'Ada Admin' });
  t.match(audit[0]!.changes, {
    username: [null, 'Ann.Oberg'],
    email: [null, 'ann@example.com'],
    groups: [null, ['Sales', 'Support']],
    territory: [null, 'Nordics'],
    supervisor: [null, 'Bo Ssman · boss'],
    twoStepEnabled: [null, true],
  });
  t.notOk(JSON.stringify(audit[0]).includes('passphrase'), 'no password in the audit');
});

t.test('a generated password is shown once and verifies against the stored hash', async (t) => {
  const ctx = await setUp(t);
  const res = await postForm(ctx.app, ctx.browser, '/users', minimal(ctx));
  t.equal(res.statusCode, 303);
  const user = ctx.db.select().from(users).where(eq(users.username, 'newbie')).get()!;
  t.equal(user.mustChangePassword, true);
  const page = await ctx.browser.get(`/users/${user.id}`);
  const shown = /<code id="generated-password">([^<]+)<\/code>/.exec(page.body)?.[1];
  t.ok(shown, 'the password is on the page');
  t.match(page.body, 'Copy it now');
  t.equal(page.headers['cache-control'], 'no-store');
  t.ok(await verifyPassword(user.passwordHash!, shown!), 'it is the stored password');
  const again = await ctx.browser.get(`/users/${user.id}`);
  t.notMatch(again.body, shown!, 'the second visit does not show it');
});

t.test('no password leaves the hash empty', async (t) => {
  const ctx = await setUp(t);
  const res = await postForm(
    ctx.app,
    ctx.browser,
    '/users',
    minimal(ctx).map(([k, v]): [string, string] => (k === 'passwordMode' ? [k, 'none'] : [k, v])),
  );
  t.equal(res.statusCode, 303);
  const user = ctx.db.select().from(users).where(eq(users.username, 'newbie')).get()!;
  t.equal(user.passwordHash, null);
  t.notMatch((await ctx.browser.get(`/users/${user.id}`)).body, 'generated-password');
});

t.test('each validation error is shown beside its field, the input is kept and nothing is written', async (t) => {
  const ctx = await setUp(t);
  const outsider = addUser(ctx.db, { username: 'gone', lastName: 'Gone', deletedAt: new Date() });
  addUser(ctx.db, { username: 'Taken' });
  const before = userCount(ctx);
  const cases: [string, Pairs, string, string][] = [
    ['missing username', [['username', '']], 'username', 'Enter a username.'],
    ['missing user type', [['userTypeId', '']], 'userTypeId', 'Choose a user type.'],
    ['missing role', [['roleId', '']], 'roleId', 'Choose a role.'],
    ['duplicate username in other case', [['username', 'tAKEN']], 'username', 'This username is already taken.'],
    ['bad email', [['email', 'not-an-email']], 'email', 'Enter an email address like name@example.com.'],
    ['email with quotes', [['email', '"ann"@example.com']], 'email', 'Enter an email address like name@example.com.'],
    [
      'email with angle brackets',
      [['email', 'ann<b>@example.com']],
      'email',
      'Enter an email address like name@example.com.',
    ],
    [
      'email naming a second recipient',
      [['email', 'ann,bo@example.com']],
      'email',
      'Enter an email address like name@example.com.',
    ],
    [
      'unknown supervisor',
      [['supervisor', 'Nobody (999999)']],
      'supervisor',
      'Choose a supervisor from the suggestions.',
    ],
    [
      'a supervisor who is no one',
      [['supervisor', 'No Such Person']],
      'supervisor',
      'Choose a supervisor from the suggestions.',
    ],
    [
      'supervisor outside the scope',
      [['supervisor', `Gone (${outsider.id})`]],
      'supervisor',
      'Choose a supervisor from the suggestions.',
    ],
    [
      'hours over 24',
      [
        ['kind', 'resource'],
        ['hoursOdd2', '25'],
      ],
      'hoursOdd2',
      'Wednesday: enter hours from 0 to 24.',
    ],
    [
      'hours not a number',
      [
        ['kind', 'resource'],
        ['hoursEven0', 'lots'],
      ],
      'hoursEven0',
      'Monday: enter hours from 0 to 24.',
    ],
    [
      'negative hours',
      [
        ['kind', 'resource'],
        ['hoursEven6', '-1'],
      ],
      'hoursEven6',
      'Sunday: enter hours from 0 to 24.',
    ],
    [
      'weak password',
      [
        ['passwordMode', 'set'],
        ['password', 'short'],
      ],
      'password',
      'Use at least 12 characters.',
    ],
    [
      'common password',
      [
        ['passwordMode', 'set'],
        ['password', 'password1234'],
      ],
      'password',
      'This password is on a list of commonly used passwords. Choose another.',
    ],
  ];
  for (const [label, changes, field, message] of cases) {
    const names = new Set(changes.map(([k]) => k));
    const pairs: Pairs = [
      ...minimal(ctx).filter(([k]) => !names.has(k)),
      ['firstName', 'Kept <First>'],
      ['notes', 'kept notes'],
      ...changes,
    ];
    const res = await postForm(ctx.app, ctx.browser, '/users', pairs);
    t.equal(res.statusCode, 422, label);
    t.match(
      res.body,
      `<a href="#field-${field}">${message.replace(/</g, '&lt;')}</a>`,
      `${label}: summary links to the field`,
    );
    t.match(res.body, `id="field-${field}-error">${message}</p>`, `${label}: message beside the field`);
    t.match(res.body, 'value="Kept &lt;First&gt;"', `${label}: input kept, escaped`);
    t.match(res.body, '>kept notes</textarea>', `${label}: notes kept`);
    if (names.has('password')) t.notMatch(res.body, /value="(short|password1234)"/, 'the password is never echoed');
  }
  t.equal(userCount(ctx), before, 'nothing was written');
  t.equal(ctx.db.select().from(auditEntries).where(eq(auditEntries.action, 'user.create')).all().length, 0);
});

t.test('a username taken between the check and the write is refused by the index', async (t) => {
  const ctx = await setUp(t);
  const { createUser, UsernameTakenError } = await import('../../src/user/user-writes.js');
  addUser(ctx.db, { username: 'Twin' });
  let thrown: unknown;
  try {
    createUser(
      ctx.db,
      activeAdministrator(ctx.db, 1)!,
      {
        username: 'twin',
        firstName: '',
        lastName: '',
        fullName: '',
        signature: '',
        email: '',
        phone: '',
        extension: '',
        userTypeId: ctx.ref.employee,
        roleId: ctx.ref.manager,
        territoryId: null,
        supervisorId: null,
        licenceType: 'none',
        status: 'active',
        twoStepEnabled: false,
        kind: 'user',
        availability: null,
        notes: '',
        memberships: { groups: [], teams: [], companies: [], addons: [], databases: [] },
      },
      { hash: null, mustChange: false },
      'req-1',
    );
  } catch (error) {
    thrown = error;
  }
  t.ok(thrown instanceof UsernameTakenError, 'the unique index error becomes UsernameTakenError');
});

t.test('supervisor suggestions: a prefix of the sort name, at most twenty, visible users only', async (t) => {
  const ctx = await setUp(t);
  for (let i = 0; i < 25; i++) addUser(ctx.db, { username: `s${i}`, firstName: `Sam${i}`, lastName: 'Smith' });
  addUser(ctx.db, { username: 'trashed', firstName: 'Tom', lastName: 'Smithers', deletedAt: new Date() });
  addUser(ctx.db, { username: 'other', firstName: 'Sue', lastName: 'Åström' });
  const many = await ctx.browser.get('/users/supervisors?supervisor=smi');
  t.equal(many.statusCode, 200);
  t.equal((many.body.match(/<option /g) ?? []).length, 20, 'at most twenty');
  t.notMatch(many.body, 'Smithers', 'trashed users are not offered');
  const accented = await ctx.browser.get('/users/supervisors?q=ASTR');
  t.match(accented.body, '<option value="Sue Åström · other">', 'case and diacritics are ignored');
  const empty = await ctx.browser.get('/users/supervisors?q=');
  t.equal((empty.body.match(/<option /g) ?? []).length, 0);
  const except = await ctx.browser.get(`/users/supervisors?q=ssman&except=${ctx.boss.id}`);
  t.notMatch(except.body, 'Bo Ssman', 'the edited user is not offered as their own supervisor');

  const plan = ctx.db.all<{ detail: string }>(
    sql`explain query plan select id from users indexed by users_name_sort where name_sort >= 'a' and name_sort < 'b' and deleted_at is null order by name_sort limit 20`,
  );
  t.match(plan.map((p) => p.detail).join('\n'), /users_name_sort \(name_sort>\? AND name_sort<\?\)/);
});

t.test('supervisor suggestions: first or last name in either order, namesakes told apart in words', async (t) => {
  const ctx = await setUp(t);
  const first = addUser(ctx.db, {
    username: 'mhamilton',
    firstName: 'Margaret',
    lastName: 'Hamilton',
    email: 'margaret@acme.test',
    groups: ['Engineering'],
  });
  addUser(ctx.db, { username: 'mhamilton2', firstName: 'Margaret', lastName: 'Hamilton', groups: ['Sales'] });
  const options = async (typed: string) =>
    [
      ...(await ctx.browser.get(`/users/supervisors?supervisor=${encodeURIComponent(typed)}`)).body.matchAll(
        /<option value="([^"]*)">/g,
      ),
    ].map((m) => m[1]);
  const both = ['Margaret Hamilton · margaret@acme.test · Engineering', 'Margaret Hamilton · mhamilton2 · Sales'];
  for (const typed of ['Ham', 'hamilton', 'Marg', 'margaret', 'Margaret Ham', 'Hamilton Margaret']) {
    t.same(await options(typed), both, `“${typed}” finds both, told apart by email or username and group`);
  }
  t.same(await options(both[0]!), both, 'a chosen suggestion, sent again, still finds them');

  const chosen = await postForm(ctx.app, ctx.browser, '/users', minimal(ctx, [['supervisor', both[0]!]]));
  t.equal(chosen.statusCode, 303, 'a chosen suggestion is accepted');
  const made = ctx.db.select().from(users).where(eq(users.username, 'newbie')).get()!;
  t.equal(made.supervisorId, first.id, 'and names exactly that person');

  await ctx.browser.get('/users/new');
  const typedName = await postForm(ctx.app, ctx.browser, '/users', [
    ...minimal(ctx).filter(([name]) => name !== 'username'),
    ['username', 'nojs'],
    ['supervisor', 'Ssman Bo'],
  ]);
  t.equal(typedName.statusCode, 303, 'a full name typed without suggestions is accepted when it names one person');
  const nojs = ctx.db.select().from(users).where(eq(users.username, 'nojs')).get()!;
  t.equal(nojs.supervisorId, ctx.boss.id);

  await ctx.browser.get('/users/new');
  const namesake = await postForm(ctx.app, ctx.browser, '/users', [
    ...minimal(ctx).filter(([name]) => name !== 'username'),
    ['username', 'unsure'],
    ['supervisor', 'Margaret Hamilton'],
  ]);
  t.equal(namesake.statusCode, 422, 'a name two people share is not guessed');
  t.match(namesake.body, 'Choose a supervisor from the suggestions.');
});

t.test('posting without a CSRF token is refused', async (t) => {
  const ctx = await setUp(t);
  const before = userCount(ctx);
  const res = await postForm(ctx.app, ctx.browser, '/users', minimal(ctx), false);
  t.equal(res.statusCode, 403);
  t.equal(userCount(ctx), before);
});

t.test('names are shown escaped after creation', async (t) => {
  const ctx = await setUp(t);
  const res = await postForm(
    ctx.app,
    ctx.browser,
    '/users',
    minimal(ctx, [
      ['firstName', '<script>alert(1)</script>'],
      ['lastName', '"><img src=x onerror=alert(2)>'],
    ]),
  );
  t.equal(res.statusCode, 303);
  const page = await ctx.browser.get(res.headers.location as string);
  t.notMatch(page.body, '<script>alert(1)</script>');
  t.notMatch(page.body, '<img src=x');
  t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt;');
  const edit = await ctx.browser.get(`${res.headers.location}/edit`);
  t.notMatch(edit.body, '<img src=x');
});

t.test('a scoped administrator cannot add users, nor find supervisors outside the scope', async (t) => {
  const ctx = await setUp(t);
  addUser(ctx.db, {
    username: 'helper',
    adminRole: 'admin',
    passwordHash: await hashPassword('a long helper passphrase'),
  });
  const scoped = new Client(ctx.app);
  await scoped.signIn('helper', 'a long helper passphrase');
  await scoped.get('/users/new');
  const before = ctx.db.select().from(users).all().length;
  const res = await postForm(ctx.app, scoped, '/users', minimal(ctx, [['supervisor', `Bo Ssman (${ctx.boss.id})`]]));
  t.equal(res.statusCode, 403);
  t.match(res.body, 'You may not add users.');
  t.equal(ctx.db.select().from(users).all().length, before, 'nobody was created');
  const suggestions = await scoped.get('/users/supervisors?q=ssman');
  t.notMatch(suggestions.body, 'Bo Ssman');
});
