import t from 'tap';
import { sql } from 'drizzle-orm';
import type { Test } from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ADMIN_PASSWORD, addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { uploadCsv } from '../helpers/import.js';
import { createBroadcast } from '../../src/broadcasts/service.js';

/**
 * Every route of the application, held against the access policy. A scoped administrator with
 * every permission, whose scope is the group Sales, calls each route with a user outside the
 * scope (or a selection that ticks one, or another administrator's job or upload). Each must
 * answer not-found or a refusal, or show only what lies inside the scope, and nothing in the
 * database may change. A route added without a line here fails the first test.
 */

interface Ctx {
  outsider: number;
  trashedOutsider: number;
  otherJob: string;
  otherUpload: string;
  otherBroadcast: number;
}

/** How a route answers the out-of-scope call: these statuses, and never the outsider's name. */
type Call = (client: Client, ctx: Ctx, app: FastifyInstance) => Promise<LightMyRequestResponse>;
interface Expectation {
  call: Call;
  statuses: number[];
}

const get = (path: (ctx: Ctx) => string, statuses: number[]): Expectation => ({
  call: (c, ctx) => c.get(path(ctx)),
  statuses,
});
const post = (path: (ctx: Ctx) => string, fields: (ctx: Ctx) => [string, string][], statuses: number[]) => ({
  call: (c: Client, ctx: Ctx) => c.post(path(ctx), fields(ctx)),
  statuses,
});
const none = () => [] as [string, string][];
const tickedOutsider = (action: string) => (ctx: Ctx) =>
  [
    ['action', action],
    ['id', String(ctx.outsider)],
    ['query', ''],
  ] as [string, string][];
const tickedTrashedOutsider = (action: string) => (ctx: Ctx) =>
  [
    ['action', action],
    ['id', String(ctx.trashedOutsider)],
  ] as [string, string][];
const NOT_FOUND = [404];
/** Confirmed work starts a job, which checks the selection again and refuses it whole. */
const JOB_REFUSED = [303];
const REFUSED = [403];
const SHOWN_IN_SCOPE = [200];

/** Routes anyone may call before signing in: they name no user, so scope does not apply. */
const PUBLIC = new Set([
  'GET /public/*',
  'GET /vendor/htmx/*',
  'GET /healthz',
  'GET /signin',
  'POST /signin',
  'POST /signout',
  'GET /setup',
  'POST /setup',
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /account',
  'GET /account/password',
  'POST /account/password',
  'GET /set-password',
  'POST /set-password',
  // The second step of sign-in, and a managed user's own two-step pages in the portal.
  'GET /signin/two-step',
  'POST /signin/two-step',
  'POST /signin/two-step/resend',
  'GET /login/two-step',
  'POST /login/two-step',
  'POST /login/two-step/resend',
  'GET /account/two-step',
  'POST /account/two-step/app',
  'POST /account/two-step/app/confirm',
  'POST /account/two-step/email',
  'POST /account/two-step/email/confirm',
  'POST /account/two-step/recovery-codes',
  'POST /account/two-step/off',
  // A portal user's own banner: it names no one else (see test/broadcasts/banner.test.ts).
  'POST /account/broadcasts/:id/dismiss',
  'GET /forgot-password',
  'POST /forgot-password',
]);

const ROUTES: Record<string, Expectation> = {
  'GET /': get(() => '/', SHOWN_IN_SCOPE),
  'GET /users': get(() => '/users?q=outsider', SHOWN_IN_SCOPE),
  'GET /users/columns': get(() => '/users/columns', SHOWN_IN_SCOPE),
  'POST /users/columns': post(
    () => '/users/columns',
    () => [['columns', 'name']],
    [302],
  ),
  'POST /users/density': post(
    () => '/users/density',
    () => [['density', 'compact']],
    [303],
  ),
  'GET /users/:id': get((c) => `/users/${c.outsider}`, NOT_FOUND),
  'GET /users/:id/avatar': get((c) => `/users/${c.outsider}/avatar`, NOT_FOUND),
  'GET /users/supervisors': get(() => '/users/supervisors?supervisor=outsider', SHOWN_IN_SCOPE),
  'GET /users/new': get((c) => `/users/new?from=${c.outsider}`, NOT_FOUND),
  'POST /users': post(
    () => '/users',
    (c) => [
      ['username', 'newcomer'],
      ['userTypeId', '1'],
      ['roleId', '1'],
      ['supervisor', `Outsider (${c.outsider})`],
      ['licenceType', 'none'],
      ['status', 'active'],
      ['kind', 'user'],
      ['passwordMode', 'none'],
    ],
    [422],
  ),
  'GET /users/:id/edit': get((c) => `/users/${c.outsider}/edit`, NOT_FOUND),
  'POST /users/:id': post(
    (c) => `/users/${c.outsider}`,
    () => [['username', 'renamed']],
    NOT_FOUND,
  ),
  'POST /users/:id/status': post(
    (c) => `/users/${c.outsider}/status`,
    () => [['status', 'inactive']],
    NOT_FOUND,
  ),
  'POST /users/:id/block': post((c) => `/users/${c.outsider}/block`, none, NOT_FOUND),
  'POST /users/:id/unblock': post((c) => `/users/${c.outsider}/unblock`, none, NOT_FOUND),
  'POST /users/:id/unlock': post((c) => `/users/${c.outsider}/unlock`, none, NOT_FOUND),
  'POST /users/:id/sessions/:sid/revoke': post((c) => `/users/${c.outsider}/sessions/abc/revoke`, none, NOT_FOUND),
  'GET /users/:id/advanced': get((c) => `/users/${c.outsider}/advanced`, NOT_FOUND),
  'GET /users/:id/delete': get((c) => `/users/${c.outsider}/delete`, NOT_FOUND),
  'POST /users/:id/delete': post((c) => `/users/${c.outsider}/delete`, none, NOT_FOUND),
  'POST /users/:id/set-password-link': post((c) => `/users/${c.outsider}/set-password-link`, none, NOT_FOUND),
  'POST /users/:id/set-password-mail': post((c) => `/users/${c.outsider}/set-password-mail`, none, NOT_FOUND),
  'GET /trash': get(() => '/trash', SHOWN_IN_SCOPE),
  'POST /trash/:id/restore': post((c) => `/trash/${c.trashedOutsider}/restore`, none, NOT_FOUND),
  'GET /trash/:id/purge': get((c) => `/trash/${c.trashedOutsider}/purge`, NOT_FOUND),
  'POST /trash/:id/purge': post((c) => `/trash/${c.trashedOutsider}/purge`, none, NOT_FOUND),
  'POST /trash/bulk': post(() => '/trash/bulk', tickedTrashedOutsider('purge'), REFUSED),
  'POST /trash/bulk/apply': post(() => '/trash/bulk/apply', tickedTrashedOutsider('purge'), JOB_REFUSED),
  // An administrator's own preferences name no user: any administrator may set their own.
  'GET /preferences': get(() => '/preferences', SHOWN_IN_SCOPE),
  'POST /preferences': post(
    () => '/preferences',
    () => [['timeZone', 'Europe/Oslo']],
    [303],
  ),
  'POST /preferences/browser-time-zone': post(
    () => '/preferences/browser-time-zone',
    () => [['timeZone', 'Europe/Oslo']],
    [204],
  ),
  // An administrator's own second step names no user either; a blank code changes nothing.
  'GET /preferences/two-step': get(() => '/preferences/two-step', SHOWN_IN_SCOPE),
  'POST /preferences/two-step/app': post(() => '/preferences/two-step/app', none, [200]),
  'POST /preferences/two-step/app/confirm': post(() => '/preferences/two-step/app/confirm', none, [303, 422]),
  // Mail is not set up here: no code can be sent, and nothing is queued.
  'POST /preferences/two-step/email': post(() => '/preferences/two-step/email', none, [303]),
  'POST /preferences/two-step/email/confirm': post(() => '/preferences/two-step/email/confirm', none, [422]),
  'POST /preferences/two-step/recovery-codes': post(() => '/preferences/two-step/recovery-codes', none, [303]),
  'POST /preferences/two-step/off': post(() => '/preferences/two-step/off', none, [303]),
  'POST /users/:id/two-step/reset': post((c) => `/users/${c.outsider}/two-step/reset`, none, NOT_FOUND),
  'POST /admins/two-step': post(
    () => '/admins/two-step',
    () => [['required', 'on']],
    REFUSED,
  ),
  'POST /trash/restore': post(
    () => '/trash/restore',
    (c) => [['id', String(c.trashedOutsider)]],
    JOB_REFUSED,
  ),
  'GET /audit': get(() => '/audit?target=outsider', SHOWN_IN_SCOPE),
  'POST /users/bulk': post(() => '/users/bulk', tickedOutsider('deactivate'), REFUSED),
  'POST /users/bulk/apply': post(() => '/users/bulk/apply', tickedOutsider('delete'), JOB_REFUSED),
  'POST /users/bulk/compose/addresses': post(() => '/users/bulk/compose/addresses', tickedOutsider('compose'), [422]),
  'POST /users/bulk/update/review': post(
    () => '/users/bulk/update/review',
    (c) => [...tickedOutsider('update')(c), ['status', 'inactive']],
    REFUSED,
  ),
  'POST /users/bulk/update': post(
    () => '/users/bulk/update',
    (c) => [...tickedOutsider('update')(c), ['status', 'inactive']],
    JOB_REFUSED,
  ),
  'GET /users/supervisor-change': get(() => '/users/supervisor-change', SHOWN_IN_SCOPE),
  'POST /users/supervisor-change': post(
    () => '/users/supervisor-change',
    (c) => [
      ['current', `Outsider (${c.outsider})`],
      ['replacement', `Outsider (${c.outsider})`],
    ],
    [422],
  ),
  'POST /users/export': post(
    () => '/users/export',
    (c) => [
      ['id', String(c.outsider)],
      ['query', ''],
    ],
    REFUSED,
  ),
  'GET /exports/:id': get((c) => `/exports/${c.otherJob}`, NOT_FOUND),
  'GET /users/import': get(() => '/users/import', SHOWN_IN_SCOPE),
  'GET /users/import/template.csv': get(() => '/users/import/template.csv', SHOWN_IN_SCOPE),
  'POST /users/import': {
    // A file that puts a user in a group outside the scope is refused by line and column.
    call: (client, _ctx, app) =>
      uploadCsv(app, client, 'Username,First Name,Last Name,User Type,Groups\nnewcomer,Nina,New,Employee,Support\n'),
    statuses: [303],
  },
  'GET /users/import/:id': get((c) => `/users/import/${c.otherUpload}`, NOT_FOUND),
  'GET /users/import/:id/columns': get((c) => `/users/import/${c.otherUpload}/columns`, NOT_FOUND),
  'POST /users/import/:id/columns': post(
    (c) => `/users/import/${c.otherUpload}/columns`,
    () => [['column0', 'username']],
    NOT_FOUND,
  ),
  'GET /users/import/:id/errors.csv': get((c) => `/users/import/${c.otherUpload}/errors.csv`, NOT_FOUND),
  'POST /users/import/:id': post(
    (c) => `/users/import/${c.otherUpload}`,
    () => [['usernames', '']],
    NOT_FOUND,
  ),
  'POST /users/import/:id/encoding': post(
    (c) => `/users/import/${c.otherUpload}/encoding`,
    () => [['encoding', 'ISO-8859-2']],
    NOT_FOUND,
  ),
  'GET /jobs/:id': get((c) => `/jobs/${c.otherJob}`, NOT_FOUND),
  'GET /jobs/:id/passwords.csv': get((c) => `/jobs/${c.otherJob}/passwords.csv`, NOT_FOUND),
  'POST /jobs/:id/forget': post((c) => `/jobs/${c.otherJob}/forget`, none, NOT_FOUND),
  // Administrators are a superuser's business: refused before any id is looked at.
  'GET /admins': get(() => '/admins', REFUSED),
  'GET /admins/grant': get(() => '/admins/grant', REFUSED),
  'POST /admins/grant': post(
    () => '/admins/grant',
    (c) => [
      ['user', `Outsider (${c.outsider})`],
      ['role', 'superuser'],
    ],
    REFUSED,
  ),
  'GET /admins/new': get(() => '/admins/new', REFUSED),
  'POST /admins': post(
    () => '/admins',
    () => [
      ['username', 'intruder'],
      ['role', 'superuser'],
    ],
    REFUSED,
  ),
  'GET /admins/:id/edit': get((c) => `/admins/${c.outsider}/edit`, REFUSED),
  'POST /admins/:id': post(
    (c) => `/admins/${c.outsider}`,
    () => [['role', 'superuser']],
    REFUSED,
  ),
  'GET /admins/:id/revoke': get((c) => `/admins/${c.outsider}/revoke`, REFUSED),
  'POST /admins/:id/revoke': post((c) => `/admins/${c.outsider}/revoke`, none, REFUSED),
  // The reference lists are a superuser's business too.
  'GET /lists': get(() => '/lists', REFUSED),
  'GET /lists/:list': get(() => '/lists/groups', REFUSED),
  'POST /lists/:list': post(
    () => '/lists/groups',
    () => [['name', 'Intruders']],
    REFUSED,
  ),
  'POST /lists/:list/:id/rename': post(
    () => '/lists/groups/1/rename',
    () => [['name', 'Renamed']],
    REFUSED,
  ),
  'GET /lists/:list/:id/merge': get(() => '/lists/groups/1/merge?into=2', REFUSED),
  'POST /lists/:list/:id/merge': post(
    () => '/lists/groups/1/merge',
    () => [['into', '2']],
    REFUSED,
  ),
  'GET /lists/:list/:id/remove': get(() => '/lists/groups/1/remove', REFUSED),
  'POST /lists/:list/:id/remove': post(() => '/lists/groups/1/remove', none, REFUSED),
  'GET /settings/mail': get(() => '/settings/mail', REFUSED),
  'POST /settings/mail': post(
    () => '/settings/mail',
    () => [['host', 'evil.example']],
    REFUSED,
  ),
  'POST /settings/mail/test': post(() => '/settings/mail/test', none, REFUSED),
  'GET /settings/mail/queue': get(() => '/settings/mail/queue', REFUSED),
  // The directory connection is a superuser's business.
  'GET /settings/directory': get(() => '/settings/directory', REFUSED),
  'POST /settings/directory': post(
    () => '/settings/directory',
    () => [['url', 'ldap://evil.example']],
    REFUSED,
  ),
  'POST /settings/directory/test': post(
    () => '/settings/directory/test',
    () => [['url', 'ldap://127.0.0.1:1']],
    REFUSED,
  ),
  'POST /settings/directory/sync': post(() => '/settings/directory/sync', none, REFUSED),
  // Importing from the directory is for superusers: a scoped administrator is refused whole.
  'GET /users/import/directory': get(() => '/users/import/directory', REFUSED),
  'POST /users/import/directory': post(
    () => '/users/import/directory',
    () => [['mode', 'both']],
    REFUSED,
  ),
  'GET /licences': get(() => '/licences', REFUSED),
  'POST /licences': post(
    () => '/licences',
    () => [['seats-full', '0']],
    REFUSED,
  ),
  'POST /users/:id/licences': post(
    (c) => `/users/${c.outsider}/licences`,
    () => [
      ['licenceType', 'full'],
      ['version', '1'],
    ],
    NOT_FOUND,
  ),
  'POST /users/:id/databases/:databaseId': post(
    (c) => `/users/${c.outsider}/databases/1`,
    () => [['access', 'give']],
    NOT_FOUND,
  ),
  'POST /users/bulk/databases': post(
    () => '/users/bulk/databases',
    (c) => [...tickedOutsider('update')(c), ['database', 'give:1']],
    REFUSED,
  ),
  // Broadcasts: the list shows only their own; one to a ticked outsider is refused whole.
  'GET /broadcasts': get(() => '/broadcasts', SHOWN_IN_SCOPE),
  'GET /broadcasts/new': get(() => '/broadcasts/new', SHOWN_IN_SCOPE),
  'POST /broadcasts/new': post(() => '/broadcasts/new', tickedOutsider('broadcast'), REFUSED),
  'POST /broadcasts': post(
    () => '/broadcasts',
    (c) => [
      ...tickedOutsider('broadcast')(c),
      ['subject', 'Hello'],
      ['body', 'Hello'],
      ['category', 'information'],
      ['audience', 'selection'],
      ['when', 'now'],
    ],
    REFUSED,
  ),
  // Another administrator's broadcast does not exist for them.
  'GET /broadcasts/:id/edit': get((c) => `/broadcasts/${c.otherBroadcast}/edit`, NOT_FOUND),
  'POST /broadcasts/:id': post(
    (c) => `/broadcasts/${c.otherBroadcast}`,
    () => [
      ['subject', 'Hijacked'],
      ['version', '1'],
    ],
    NOT_FOUND,
  ),
  'GET /broadcasts/:id/cancel': get((c) => `/broadcasts/${c.otherBroadcast}/cancel`, NOT_FOUND),
  'POST /broadcasts/:id/cancel': post(
    (c) => `/broadcasts/${c.otherBroadcast}/cancel`,
    () => [['version', '1']],
    NOT_FOUND,
  ),
  'POST /settings/mail/invitation': post(
    () => '/settings/mail/invitation',
    () => [['invitationDays', '3']],
    REFUSED,
  ),
};

/** Everything a route could change about users, their access, or the settings. */
function snapshot(app: Awaited<ReturnType<typeof buildTestApp>>): string {
  const tables = [
    'users',
    'user_groups',
    'user_teams',
    'user_companies',
    'user_databases',
    'sessions',
    'mail_settings',
    'directory_settings',
    'mail_queue',
    'password_tokens',
    'admin_scopes',
    'groups',
    'territories',
    'companies',
    'user_types',
    'broadcasts',
    'broadcast_recipients',
  ];
  return JSON.stringify(
    tables.map((table) =>
      app.db.$client
        .prepare(`select * from ${table} order by 1`)
        .all()
        .map((row) => {
          // Sign-in stamps and session expiry move with every request; the rest must not.
          const { last_signin_at: _a, expires_at: _b, data: _c, ...rest } = row as Record<string, unknown>;
          return rest;
        }),
    ),
  );
}

async function setUp(t: Test) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const sales = referenceId(app.db, 'groups', 'Sales');
  referenceId(app.db, 'user_types', 'Employee');
  referenceId(app.db, 'roles', 'Staff');
  // Database 1, which the database view's routes name.
  app.db.run(sql`insert into databases (name) values ('Finance')`);
  addUser(app.db, { username: 'insider', firstName: 'Inge', lastName: 'Insider', groups: ['Sales'] });
  const outsider = addUser(app.db, {
    username: 'outsider',
    firstName: 'Otto',
    lastName: 'Outsider',
    groups: ['Support'],
  });
  const trashedOutsider = addUser(app.db, {
    username: 'outsider.gone',
    firstName: 'Olga',
    lastName: 'Outsider',
    groups: ['Support'],
    deletedAt: new Date(),
  });
  // The superuser's own job and upload, which nobody else may open.
  const superuser = new Client(app);
  await superuser.signIn('admin', ADMIN_PASSWORD);
  await superuser.get('/users');
  const otherJob = app.jobs.board.create({
    kind: 'users.export',
    title: 'Exporting users',
    actorId: admin.id,
    params: {},
  });
  const uploaded = await uploadCsv(
    app,
    superuser,
    'Username,First Name,Last Name,User Type\nsomeone,Sam,One,Employee\n',
  );
  t.equal(uploaded.statusCode, 303, "the superuser's upload is kept");
  const otherUpload = String(uploaded.headers.location).split('/').pop()!;
  // The superuser's broadcast, which names the outsider: no one else's business.
  const otherBroadcast = createBroadcast(app.db, admin, {
    subject: 'A word for Otto',
    body: 'Hello',
    category: 'information',
    audience: { kind: 'everyone' },
    sendAt: new Date(Date.now() + 86_400_000),
  }).id;
  const { client } = await signedInHelper(app, 'admin', { scope: { groups: [sales] } });
  await client.get('/users');
  return {
    app,
    admin,
    client,
    ctx: { outsider: outsider.id, trashedOutsider: trashedOutsider.id, otherJob, otherUpload, otherBroadcast },
  };
}

t.test('every registered route is in the table, and only those', async (t) => {
  const app = await buildTestApp(t);
  const routes = new Set(app.routeList);
  const listed = new Set([...PUBLIC, ...Object.keys(ROUTES)]);
  t.same(
    [...routes].filter((r) => !listed.has(r)),
    [],
    'routes that need a line in the table',
  );
  t.same(
    [...listed].filter((r) => !routes.has(r)),
    [],
    'lines for routes that no longer exist',
  );
});

t.test('a scoped administrator reaches nobody outside the scope, on every route', async (t) => {
  const { app, client, ctx } = await setUp(t);
  for (const [route, expected] of Object.entries(ROUTES)) {
    const before = snapshot(app);
    const res = await expected.call(client, ctx, app);
    // Work a route started must have finished (and changed nothing) before the comparison.
    const job = /^\/jobs\/([\w-]+)$/.exec(String(res.headers.location ?? ''));
    if (job) {
      await app.jobs.runner.finished(job[1]!);
      t.match(app.jobs.board.get(job[1]!), { state: 'failed', error: /not yours to change/ }, `${route}: refused`);
    }
    t.ok(expected.statuses.includes(res.statusCode), `${route}: answered ${res.statusCode}`);
    t.notMatch(res.body, /Otto|Olga/, `${route}: the outsiders are never shown`);
    t.equal(snapshot(app), before, `${route}: nothing changed`);
  }
});

t.test('inside the scope the same administrator finds their users: list, count, picker, user page', async (t) => {
  const { app, client } = await setUp(t);
  const insider = app.db.$client.prepare("select id from users where username = 'insider'").get() as { id: number };
  t.match((await client.get('/users?q=insider')).body, /Inge/);
  t.match(
    (await client.get('/users/supervisors?supervisor=ins')).body,
    /Inge Insider/,
    'the supervisor picker answers',
  );
  t.equal((await client.get(`/users/${insider.id}`)).statusCode, 200);
  const overview = (await client.get('/')).body;
  t.match(overview, /Users<\/h3>\s*<p class="tile-figure">1<\/p>/, 'the overview counts the one user in scope');
});
