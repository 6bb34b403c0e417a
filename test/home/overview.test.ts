import { sql } from 'drizzle-orm';
import t from 'tap';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, referenceId, signedInHelper } from '../helpers/directory.js';
import { activeAdministrator } from '../../src/access/actor.js';
import { cachedOverview } from '../../src/home/overview.js';

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
  return [...table.matchAll(/<tr><td>[^<]*<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) => Number(m[1]));
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
  t.equal(tileHref(page, 'Blocked'), undefined, 'the list cannot show the blocked alone: no link that shows others');
  const never = await browser.get('/users?field=lastSignin&op=empty');
  t.match(never.body, 'of <strong>3</strong> users', 'the linked list shows the same number');
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
  t.equal(chartTable(page, 'Users deleted').at(-1), 1);
  t.match(page, /<desc id="chart-deleted-desc">1 user deleted in the last 30 days/);
  t.equal(chartTable(page, 'Sign-ins').at(-1), 1, 'the sign-in of this test, counted when it happened');
  t.match(page, /role="img" aria-labelledby="chart-signins-svg-title chart-signins-desc"/);
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

t.test('figures costly to read are kept a few seconds after a change, and say when they were read', async (t) => {
  const { db } = await setUp(t);
  const actor = activeAdministrator(
    db,
    db.get<{ id: number }>(sql`select id from users where username = 'admin'`)!.id,
  )!;
  const start = new Date();
  const later = (ms: number) => new Date(start.getTime() + ms);
  // Every read counts as costly here (at or over 0 ms), as it would be at a million users.
  t.equal(cachedOverview(db, actor, start, 0).total.value, 1);
  addUser(db, { username: 'new' });
  const kept = cachedOverview(db, actor, later(5_000), 0);
  t.equal(kept.total.value, 1, 'five seconds after the change: the figures read before it');
  t.same(kept.asOf, start, 'and when they were read');
  const fresh = cachedOverview(db, actor, later(11_000), 0);
  t.equal(fresh.total.value, 2, 'after ten seconds they are read again');
  t.equal(fresh.asOf, undefined);
  addUser(db, { username: 'newer' });
  t.equal(cachedOverview(db, actor, later(12_000)).total.value, 3, 'cheap figures are read afresh after any change');
});
