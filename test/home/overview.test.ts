import { sql } from 'drizzle-orm';
import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { activeAdministrator } from '../../src/access/actor.js';
import { readOverview } from '../../src/home/overview.js';

const DAY = 24 * 60 * 60 * 1000;

/** A figure's number on the page, by its tile's heading. */
const figure = (page: string, label: string) =>
  new RegExp(`<h3>${label}</h3>\\s*<p class="tile-figure">([^<]*)</p>`).exec(page)?.[1]?.trim();

/** Where a figure's tile leads, or undefined when it is not a link. */
const tileHref = (page: string, label: string) =>
  new RegExp(`<a class="tile" href="([^"]*)">\\s*<h3>${label}</h3>`).exec(page)?.[1]?.replace(/&amp;/g, '&');

/** The values of a chart's text alternative: its visually hidden table, day by day. */
function chartTable(page: string, title: string): number[] {
  const table = new RegExp(`<caption>${title}, by day</caption>[\\s\\S]*?</table>`).exec(page)?.[0] ?? '';
  return [...table.matchAll(/<tr><td>(?:<a [^>]*>)?[^<]*(?:<\/a>)?<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) =>
    Number(m[1]),
  );
}

async function setUp(t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const browser = new Client(app);
  await browser.signIn();
  return { app, db: app.db, browser };
}

t.test('each status figure counts the users it names, and links to the list filtered to them', async (t) => {
  const { db, browser } = await setUp(t);
  const now = Date.now();
  addUser(db, { username: 'able', lastSigninAt: new Date(now - DAY) });
  addUser(db, { username: 'blocked', blocked: true, lastSigninAt: new Date(now - DAY) });
  addUser(db, { username: 'locked', lockedUntil: new Date(now + 3_600_000) });
  addUser(db, { username: 'lock-over', lockedUntil: new Date(now - 3_600_000), mustChangePassword: true });
  addUser(db, { username: 'gone', status: 'inactive' });
  addUser(db, { username: 'trashed', deletedAt: new Date(now - DAY) });
  const page = (await browser.get('/')).body;
  t.equal(figure(page, 'Users'), '6', 'the administrator and five users; not the one in the trash');
  t.equal(figure(page, 'Active'), '3', 'the administrator, able, and the user whose lock has run out');
  t.equal(figure(page, 'Inactive'), '1');
  t.equal(figure(page, 'Blocked'), '1');
  t.equal(figure(page, 'Locked'), '1');
  t.equal(figure(page, 'Must change password'), '1');
  t.equal(figure(page, 'Never signed in'), '3', 'locked, lock-over and gone (the administrator signed in)');
  t.equal(tileHref(page, 'Users'), '/users');
  t.equal(tileHref(page, 'Inactive'), '/users?status=inactive');
  t.equal(tileHref(page, 'Never signed in'), '/users?field=lastSignin&op=empty');
  t.equal(tileHref(page, 'Active'), '/users?status=can-sign-in');
  t.equal(tileHref(page, 'Blocked'), '/users?field=blocked&op=eq&value=yes');
  t.equal(tileHref(page, 'Locked'), '/users?field=locked&op=eq&value=yes');
  t.equal(tileHref(page, 'Must change password'), '/users?field=mustChangePassword&op=eq&value=yes');
  for (const label of ['Users', 'Active', 'Inactive', 'Blocked', 'Locked', 'Must change password', 'Never signed in']) {
    const list = await browser.get(tileHref(page, label)!);
    const shown = /of <strong>(\d+)<\/strong> users?/.exec(list.body)?.[1];
    t.equal(shown, figure(page, label), `${label}: the linked list shows the same number`);
  }
});

t.test('the figures follow every write', async (t) => {
  const { db, browser } = await setUp(t);
  t.equal(figure((await browser.get('/')).body, 'Users'), '1');
  addUser(db, { username: 'new' });
  t.equal(figure((await browser.get('/')).body, 'Users'), '2');
});

t.test('licence use is shown against the pool, and as unlimited without one', async (t) => {
  const { db, browser } = await setUp(t);
  const crm = referenceId(db, 'addons' as never, 'CRM');
  for (const [i, licence] of (['full', 'full', 'viewer'] as const).entries()) {
    const user = addUser(db, { username: `u${i}`, licenceType: licence });
    if (i < 2) db.run(sql`insert into user_addons (user_id, ref_id) values (${user.id}, ${crm})`);
  }
  const gone = addUser(db, { username: 'gone', licenceType: 'full', deletedAt: new Date() });
  db.run(sql`insert into user_addons (user_id, ref_id) values (${gone.id}, ${crm})`);
  db.run(sql`insert into licence_seats (licence_type, seats) values ('full', 3)`);
  db.run(sql`insert into addon_seats (addon_id, seats) values (${crm}, 20)`);
  const page = (await browser.get('/')).body;
  t.match(
    page,
    /href="\/users\?licence=full">Full<\/a>\s*<span><strong>3<\/strong> of 3 in use · 0 free/,
    'two users and the administrator; not the one in the trash',
  );
  t.match(page, 'At the limit: no Full licence is free.');
  db.run(sql`update licence_seats set seats = 2`);
  t.match((await browser.get('/')).body, 'Over the limit: 1 more in use than the pool holds.');
  t.match(page, /href="\/users\?licence=viewer">Viewer<\/a>\s*<span><strong>1<\/strong> in use · unlimited/);
  t.match(
    page,
    /href="\/users\?field=addons&amp;op=eq&amp;value=CRM">CRM<\/a>\s*<span><strong>2<\/strong> of 20 in use · 18 free/,
  );
});

t.test('the charts count per day, with their values as text', async (t) => {
  const { db, browser, app } = await setUp(t);
  const now = Date.now();
  addUser(db, { username: 'today', createdAt: new Date(now) });
  addUser(db, { username: 'earlier', createdAt: new Date(now - 3 * DAY) });
  addUser(db, { username: 'long-ago', createdAt: new Date(now - 60 * DAY) });
  const victim = addUser(db, { username: 'victim', fullName: 'Vic Tim', createdAt: new Date(now - 60 * DAY) });
  await browser.get(`/users/${victim.id}/delete`);
  await browser.post(`/users/${victim.id}/delete`);
  const page = (await browser.get('/')).body;
  const created = chartTable(page, 'Users created');
  t.equal(created.length, 30, 'one value a day for thirty days');
  t.equal(created.at(-1), 2, 'today: the administrator and one user');
  t.equal(created.at(-4), 1, 'three days ago');
  t.equal(
    created.reduce((a, b) => a + b, 0),
    3,
    'older users are not counted',
  );
  t.match(
    page,
    /<desc id="chart-created-desc">3 users created in the last 30 days; the most on [^,]+, 2 users created\.<\/desc>/,
  );
  const dayLinks = [...page.matchAll(/<td><a href="(\/users\?field=created&amp;op=on[^"]*)"/g)].map((m) =>
    m[1]!.replace(/&amp;/g, '&'),
  );
  t.equal(dayLinks.length, 30, 'each day of users created leads to its list');
  t.match((await browser.get(dayLinks.at(-1)!)).body, 'of <strong>2</strong> users', "today's list: the same 2");
  t.match((await browser.get(dayLinks.at(-4)!)).body, 'of <strong>1</strong> user', 'three days ago: the same 1');
  const since = /<h3 id="chart-created-title"><a href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
  t.match((await browser.get(since)).body, 'of <strong>3</strong> users', 'the whole chart leads to its 3 users');
  t.equal(chartTable(page, 'Users deleted').at(-1), 1);
  t.match(page, /<desc id="chart-deleted-desc">1 user deleted in the last 30 days/);
  t.equal(chartTable(page, 'Sign-ins').at(-1), 1, 'the sign-in of this test, counted when it happened');
  // The drawing is for the eye; a screen reader reads its summary and the table.
  t.match(page, /<svg class="chart-svg"[^>]* aria-hidden="true"/);
  t.match(page, /<p class="visually-hidden">1 sign-in in the last 30 days/);
  t.match(page, /Vic Tim/, 'the deletion is among the latest actions');
  t.match(page, /User moved to the trash — <a href="\/users\/\d+">Vic Tim<\/a>/);
  await new Client(app).signIn();
  t.equal(chartTable((await browser.get('/')).body, 'Sign-ins').at(-1), 2);
});

t.test('running jobs and mail waiting or failed', async (t) => {
  const { db, browser, app } = await setUp(t);
  t.match((await browser.get('/')).body, /Bulk jobs running<\/h3>\s*<p class="muted">None\.<\/p>/);
  const admin = db.get<{ id: number }>(sql`select id from users where username = 'admin'`)!;
  const id = app.jobs.board.create({ kind: 'bulk.update', title: 'Updating users', actorId: admin.id, params: {} });
  const insertMail = (status: string) =>
    db.run(sql`insert into mail_queue (recipient, subject, body, status, next_attempt_at, created_at)
               values ('a@example.com', 'Hello', 'Hi', ${status}, ${Date.now()}, ${Date.now()})`);
  insertMail('queued');
  insertMail('failed');
  insertMail('failed');
  insertMail('sent');
  const page = (await browser.get('/')).body;
  t.match(page, `<a href="/jobs/${id}">Updating users</a> <span class="muted">waiting to start</span>`);
  t.match(page, /<strong>1<\/strong> waiting to be sent, <strong>2<\/strong> failed/);
});

t.test('a scoped administrator sees only their scope, and no organisation-wide counts', async (t) => {
  const { app, db } = await setUp(t);
  const sales = referenceId(db, 'groups', 'Sales');
  addUser(db, { username: 's1', groups: ['Sales'], status: 'inactive' });
  addUser(db, { username: 's2', groups: ['Sales'], blocked: true });
  addUser(db, { username: 'o1', groups: ['Other'] });
  addUser(db, { username: 'o2', groups: ['Other'], status: 'inactive' });
  const { client } = await signedInHelper(app, 'admin', { scope: { groups: [sales] } });
  const page = (await client.get('/')).body;
  t.equal(figure(page, 'Users'), '2');
  t.equal(figure(page, 'Active'), '0');
  t.equal(figure(page, 'Inactive'), '1');
  t.equal(figure(page, 'Blocked'), '1');
  t.notMatch(page, 'Sign-ins', 'sign-ins are counted for everyone together');
  t.notMatch(page, 'waiting to be sent', 'the mail queue is for superusers');
  t.equal(chartTable(page, 'Users created').at(-1), 2);
});

t.test('every figure is exact straight after each write, with no waiting', async (t) => {
  const { db } = await setUp(t);
  const actor = activeAdministrator(
    db,
    db.get<{ id: number }>(sql`select id from users where username = 'admin'`)!.id,
  )!;
  const now = new Date();
  const read = () => {
    const o = readOverview(db, actor, now);
    return Object.fromEntries([o.total, ...o.statuses].map((f) => [f.label, f.value]));
  };
  t.equal(read().Users, 1);
  const user = addUser(db, { username: 'new', lastSigninAt: now });
  t.match(read(), { Users: 2, Active: 2, 'Never signed in': 0 }, 'created');
  db.run(sql`update users set blocked = 1 where id = ${user.id}`);
  t.match(read(), { Users: 2, Active: 1, Blocked: 1 }, 'blocked');
  db.run(sql`update users set locked_until = ${now.getTime() + 60_000}, blocked = 0 where id = ${user.id}`);
  t.match(read(), { Active: 1, Blocked: 0, Locked: 1 }, 'locked: not active while the lock lasts');
  t.match(
    readOverview(db, actor, new Date(now.getTime() + 120_000)).statuses.find((f) => f.label === 'Locked'),
    { value: 0 },
    'and active again once it has run out, with no write at all',
  );
  db.run(sql`update users set deleted_at = ${now.getTime()} where id = ${user.id}`);
  t.match(read(), { Users: 1, Active: 1, Locked: 0 }, 'deleted');
  db.run(sql`update users set deleted_at = null, locked_until = null, must_change_password = 1 where id = ${user.id}`);
  t.match(read(), { Users: 2, Active: 2, 'Must change password': 1 }, 'restored');
});
