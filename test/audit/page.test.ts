import { type Actor, actorOf } from '../../src/access/actor.js';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { recordAudit } from '../../src/audit/record.js';
import { historyOf } from '../../src/audit/repository.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { User } from '../../src/db/schema.js';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { countText, decode, pagerLink } from '../helpers/list-page.js';

/** One row of the audit table as a person reads it. */
interface Shown {
  when: string;
  /** The instant for machines, in the time element. */
  datetime: string;
  actor: string;
  action: string;
  target: string;
  targetHref?: string;
  changes: string;
  request: string;
}

function cellOf(row: string, name: string): string {
  return new RegExp(`<td class="audit-${name}">([\\s\\S]*?)</td>`).exec(row)?.[1] ?? '';
}

const text = (html: string) => decode(html).replace(/\s+/g, ' ').trim();

function entriesIn(html: string): Shown[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) => {
    const target = cellOf(row!, 'target');
    return {
      when: text(cellOf(row!, 'when')),
      datetime: /datetime="([^"]*)"/.exec(cellOf(row!, 'when'))?.[1] ?? '',
      actor: text(cellOf(row!, 'actor')),
      action: text(cellOf(row!, 'action')),
      target: text(target),
      targetHref: /href="([^"]*)"/.exec(target)?.[1],
      changes: text(cellOf(row!, 'changes')),
      request: text(cellOf(row!, 'request')),
    };
  });
}

/** The request ids shown, top to bottom: the tests give each entry a distinct one. */
const requestsIn = (html: string) => entriesIn(html).map((e) => e.request);

const at = (iso: string) => new Date(iso);

interface Directory {
  app: FastifyInstance;
  admin: Actor;
  browser: Client;
  ann: User;
  bob: User;
  gone: User;
}

/**
 * The superuser signs in once (an 'admin.signin' entry) after one failed attempt
 * ('admin.signin_failed'); the other entries are written directly, spread over January 2026.
 */
async function directory(t: Parameters<typeof buildTestApp>[0]): Promise<Directory> {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Anderson' });
  const bob = addUser(app.db, { username: 'bob', firstName: 'Bob', lastName: 'Brown' });
  const gone = addUser(app.db, { username: 'gone', firstName: 'Gone', lastName: 'Away', deletedAt: new Date() });
  const ada = { id: admin.id, name: 'Ada Admin' };
  const bea = { id: 9001, name: 'Bea Boss' };
  const asa = { id: 9002, name: 'Åsa Öström' };
  const annT = { id: ann.id, name: 'Ann Anderson' };
  const bobT = { id: bob.id, name: 'Bob Brown' };
  const goneT = { id: gone.id, name: 'Gone Away' };
  app.db.transaction((tx) => {
    recordAudit(
      tx,
      {
        action: 'user.create',
        actor: ada,
        target: annT,
        changes: { email: [null, 'ann@acme.test'] },
        requestId: 'r-e1',
      },
      at('2026-01-10T09:00:00Z'),
    );
    recordAudit(
      tx,
      {
        action: 'user.update',
        actor: bea,
        target: bobT,
        changes: { notes: ['<script>alert(1)</script>', 'fine'], groups: [['Sales'], ['Sales', 'Support']] },
        requestId: 'r-e2',
      },
      at('2026-01-11T10:00:00Z'),
    );
    recordAudit(
      tx,
      { action: 'user.block', actor: ada, target: bobT, detail: 'Too many complaints', requestId: 'r-e3' },
      at('2026-01-12T23:59:59.999Z'),
    );
    recordAudit(
      tx,
      { action: 'user.unblock', actor: bea, target: annT, requestId: 'r-e4' },
      at('2026-01-13T00:00:00Z'),
    );
    recordAudit(
      tx,
      { action: 'user.purge', actor: null, target: goneT, requestId: 'r-e5' },
      at('2026-01-14T08:00:00Z'),
    );
    recordAudit(
      tx,
      {
        action: 'user.update',
        actor: asa,
        target: { id: 9999, name: '<img src=x onerror=alert(2)>' },
        changes: { '<b>field</b>': ['"quoted"', '<script>alert(3)</script>'] },
        requestId: 'r-e6',
      },
      at('2026-01-15T12:00:00Z'),
    );
  });
  await new Client(app).signIn('admin', 'not the password at all');
  const browser = new Client(app);
  const signedIn = await browser.signIn();
  if (signedIn.statusCode !== 303 && signedIn.statusCode !== 302) throw new Error('sign-in failed');
  return { app, admin, browser, ann, bob, gone };
}

/** What the helpers need of a test: somewhere to check the status. */
type Checks = Pick<typeof t, 'equal'>;

async function page(t: Checks, browser: Client, url: string, headers: Record<string, string> = {}) {
  const res = await browser.get(url, headers);
  t.equal(res.statusCode, 200, `GET ${url}`);
  return res.body;
}

t.test('the log lists every entry newest first, with labels, details, changes and targets', async (t) => {
  const { browser, ann } = await directory(t);
  const html = await page(t, browser, '/audit');
  const rows = entriesIn(html);
  t.same(
    rows.map((r) => r.action),
    [
      'Administrator signed in',
      'Console sign-in failed wrong password, from 127.0.0.1',
      'User updated',
      'User deleted permanently',
      'User unblocked',
      'User blocked Too many complaints',
      'User updated',
      'User created',
    ],
  );
  t.same(
    rows.map((r) => r.actor),
    ['Ada Admin', 'Ada Admin', 'Åsa Öström', 'System', 'Bea Boss', 'Ada Admin', 'Bea Boss', 'Ada Admin'],
  );
  const [signin, failed, , purge, unblock, block, update, create] = rows;
  t.equal(signin!.target, 'Ada Admin', 'the same name as their other entries');
  t.not(signin!.request, '', 'a sign-in carries its request id');
  t.not(failed!.request, signin!.request);
  t.equal(create!.when, '10 Jan 2026, 09:00:00 UTC', 'in words, and in UTC until the zone is known');
  t.equal(create!.datetime, '2026-01-10T09:00:00.000Z', 'the exact instant is there for machines');
  t.equal(create!.changes, 'Email: — → ann@acme.test');
  t.equal(create!.targetHref, `/users/${ann.id}`, 'a visible user is linked');
  t.equal(unblock!.targetHref, `/users/${ann.id}`);
  t.equal(purge!.target, 'Gone Away');
  t.equal(purge!.targetHref, undefined, 'a user in the trash is named but not linked');
  t.equal(update!.changes, 'Notes: <script>alert(1)</script> → fine Groups: Sales → Sales, Support');
  t.equal(block!.request, 'r-e3');
  t.equal(countText(html), 'Showing 8 entries, newest first');
  t.equal(pagerLink(html, 'Next'), undefined, 'one page only');
  t.equal(pagerLink(html, 'Previous'), undefined);
  t.match(html, /<a href="\/audit" aria-current="page">Audit<\/a>/, 'the nav marks the page');
  t.match(html, /<a href="\/users">Users<\/a>/);
});

t.test('everything recorded is escaped', async (t) => {
  const { browser } = await directory(t);
  const html = await page(t, browser, '/audit');
  t.notMatch(html, /<script>alert/);
  t.notMatch(html, /<img src=x/);
  t.notMatch(html, /<b>field<\/b>/);
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(html, /&lt;img src=x onerror=alert\(2\)&gt;/);
  t.equal(entriesIn(html)[2]!.changes, '<b>field</b>: "quoted" → <script>alert(3)</script>');
});

t.test('each filter alone and combined gives exactly the matching entries', async (t) => {
  const { browser } = await directory(t);
  const shown = async (query: string) => requestsIn(await page(t, browser, `/audit?${query}`));
  const signins = (await shown('action=admin.signin')).concat(await shown('action=admin.signin_failed'));
  t.equal(signins.length, 2);
  t.same(await shown('actor=bea'), ['r-e4', 'r-e2'], 'actor: part of the name');
  t.same((await shown('actor=ADA+ad')).slice(-2), ['r-e3', 'r-e1'], 'actor: case ignored');
  t.equal((await shown('actor=ADA+ad')).length, 4, 'with the two sign-ins of the same person');
  t.same(await shown('actor=ostr'), ['r-e6'], 'actor: accents ignored');
  t.same(await shown('actor=%25'), [], 'a % is a character, not a wildcard');
  t.same(await shown('target=bob'), ['r-e3', 'r-e2']);
  t.same(await shown('target=anderson'), ['r-e4', 'r-e1']);
  t.same(await shown('action=user.update'), ['r-e6', 'r-e2']);
  t.same(await shown('action=user.block'), ['r-e3']);
  t.same(await shown('action=no.such.action'), (await shown('')).slice(), 'an unknown action is ignored');
  t.same(await shown('from=2026-01-12&to=2026-01-13'), ['r-e4', 'r-e3'], 'both days whole, in UTC');
  t.same(await shown('from=2026-01-13&to=2026-01-13'), ['r-e4'], 'one day');
  t.same(await shown('to=2026-01-11'), ['r-e2', 'r-e1']);
  t.same((await shown('from=2026-01-14')).slice(2), ['r-e6', 'r-e5'], 'from a day onwards, sign-ins included');
  t.same(await shown('from=2026-02-31'), await shown(''), 'an impossible date is ignored');
  t.same(await shown('actor=bea&target=ann'), ['r-e4']);
  t.same(await shown('actor=bea&action=user.update&to=2026-01-11'), ['r-e2']);
  t.same(await shown('target=bob&from=2026-01-12'), ['r-e3']);

  const none = await page(t, browser, '/audit?actor=bea&action=user.create');
  t.same(entriesIn(none), []);
  t.match(none, /<h2>No entries match<\/h2>/);
  t.match(none, /<a class="button" href="\/audit">Clear all filters<\/a>/);
});

t.test('the filter form and its values round-trip through the URL', async (t) => {
  const { browser } = await directory(t);
  const html = await page(
    t,
    browser,
    '/audit?actor=%3Cb%3E&target=bob&action=user.block&from=2026-01-01&to=2026-01-31',
  );
  t.match(html, /<form id="audit-filters"[^>]*method="get" action="\/audit"/);
  t.match(html, /hx-get="\/audit" hx-target="#audit-results" hx-push-url="true"/);
  t.match(html, /name="actor" value="&lt;b&gt;"/);
  t.match(html, /name="target" value="bob"/);
  t.match(html, /<option value="user.block" selected>User blocked<\/option>/);
  t.match(html, /type="date" name="from" value="2026-01-01"/);
  t.match(html, /type="date" name="to" value="2026-01-31"/);
  t.match(html, /id="audit-results" hx-target:inherited="#audit-results" hx-push-url:inherited="true"/);
  t.notMatch(html, /hx-on|<script>(?!<\/script>)/, 'no inline behaviour');
});

t.test('htmx gets the results fragment; everything else the whole page', async (t) => {
  const { browser } = await directory(t);
  const fragment = await browser.get('/audit?target=bob', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.equal(fragment.statusCode, 200);
  t.notMatch(fragment.body, /<html|<form id="audit-filters"/);
  t.same(requestsIn(fragment.body), ['r-e3', 'r-e2']);
  t.equal(fragment.headers.vary, 'HX-Request, HX-Request-Type');
  const fromForm = await browser.get('/audit?actor=&target=bob&action=&from=&to=', {
    'hx-request': 'true',
    'hx-request-type': 'partial',
  });
  t.equal(fromForm.headers['hx-push-url'], '/audit?target=bob', 'the pushed URL leaves empty fields out');
  const restored = await browser.get('/audit?target=bob', { 'hx-request': 'true', 'hx-request-type': 'full' });
  t.match(restored.body, /^<!doctype html>/, 'history restore gets the page');
  const full = await browser.get('/audit?target=bob');
  t.match(full.body, /^<!doctype html>/);
  t.match(full.body, /<form id="audit-filters"/);
  t.equal(full.headers.vary, 'HX-Request, HX-Request-Type');
});

t.test('paging walks the whole log by keyset, with no gaps and no repeats', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann' });
  const written: string[] = [];
  app.db.transaction((tx) => {
    for (let i = 0; i < 125; i++) {
      // Three entries share each millisecond, so the id must break the ties.
      const when = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 3) * 3_600_000);
      const requestId = `p-${String(i).padStart(3, '0')}`;
      recordAudit(
        tx,
        {
          action: i % 2 ? 'user.update' : 'user.status',
          actor: { id: 1, name: 'Ada' },
          target: { id: ann.id, name: 'ann' },
          requestId,
        },
        when,
      );
      written.push(requestId);
    }
  });
  const browser = new Client(app);
  await browser.signIn();
  const newestFirst = [...written].reverse();

  const forward: string[][] = [];
  let html = await page(t, browser, '/audit');
  const signin = requestsIn(html)[0]!;
  for (let url: string | undefined = '/audit'; url; url = pagerLink(html, 'Next')) {
    html = await page(t, browser, url);
    forward.push(requestsIn(html));
    if (forward.length > 1) t.ok(pagerLink(html, 'First'), 'First leads back from a later page');
  }
  t.same(
    forward.map((p) => p.length),
    [50, 50, 26],
  );
  t.same(forward.flat(), [signin, ...newestFirst], 'every entry once, in order');
  t.equal(countText(html), 'Showing 26 entries, newest first');

  const backward: string[][] = [forward[2]!];
  for (let url = pagerLink(html, 'Previous'); url; url = pagerLink(html, 'Previous')) {
    html = await page(t, browser, url);
    backward.unshift(requestsIn(html));
  }
  t.same(backward, forward, 'Previous retraces the same pages');
  t.equal(pagerLink(html, 'First'), undefined, 'the newest page has no First link');

  const updates: string[] = [];
  for (let url: string | undefined = '/audit?action=user.update'; url; url = pagerLink(html, 'Next')) {
    t.match(url, /action=user.update/, 'the filter travels with the pager');
    html = await page(t, browser, url);
    updates.push(...requestsIn(html));
  }
  t.same(
    updates,
    newestFirst.filter((id) => Number(id.slice(2)) % 2 === 1),
  );

  const past = await page(t, browser, '/audit?after=1-1');
  t.match(past, /No older entries/);
  t.same(
    requestsIn(await page(t, browser, '/audit?before=99999999999999-1')),
    forward[0],
    'a stale Previous shows the newest page',
  );
  t.same(requestsIn(await page(t, browser, '/audit?after=junk')), forward[0], 'a malformed cursor is ignored');
});

t.test('an administrator with an empty scope sees only their own actions', async (t) => {
  const { app } = await directory(t);
  addUser(app.db, { username: 'helpdesk', adminRole: 'admin', passwordHash: await hashPassword(ADMIN_PASSWORD) });
  const browser = new Client(app);
  await browser.signIn('helpdesk');
  const html = await page(t, browser, '/audit');
  t.same(
    entriesIn(html).map((e) => [e.actor, e.action]),
    [['helpdesk', 'Administrator signed in']],
    'their own sign-in, and nothing about anyone else',
  );
  t.same(entriesIn(await page(t, browser, '/audit?target=ann')), []);
  t.equal((await browser.get('/audit')).statusCode, 200);
});

t.test('a person who is not signed in is sent to sign in', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const res = await app.inject({ method: 'GET', url: '/audit' });
  t.equal(res.statusCode, 302);
  t.match(res.headers.location, /^\/signin/);
});

t.test('no route changes or deletes an entry, and SQLite refuses to', async (t) => {
  const { app, browser } = await directory(t);
  const before = app.db.$client.prepare('select * from audit_entries order by id').all();
  await browser.get('/audit');
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
    for (const url of ['/audit', '/audit/1']) {
      const res = await app.inject({
        method,
        url,
        payload: 'detail=changed',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: browser.cookieHeader,
          'x-csrf-token': browser.csrfToken,
        },
      });
      t.equal(res.statusCode, 404, `${method} ${url}`);
    }
  }
  const res = await browser.post('/audit', { action: 'user.create' });
  t.equal(res.statusCode, 404, 'a form post too');
  t.same(app.db.$client.prepare('select * from audit_entries order by id').all(), before, 'the rows are unchanged');

  t.throws(
    () => app.db.$client.prepare("update audit_entries set detail = 'rewritten'").run(),
    /audit entries cannot be changed/,
  );
  t.throws(() => app.db.$client.prepare('delete from audit_entries').run(), /audit entries cannot be deleted/);
  t.same(app.db.$client.prepare('select * from audit_entries order by id').all(), before);
});

t.test("a user's history: their entries newest first, within the reader's scope", async (t) => {
  const { app, admin, ann, bob } = await directory(t);
  const ids = (rows: { requestId: string }[]) => rows.map((r) => r.requestId);
  t.same(ids(historyOf(app.db, admin, ann.id, 10)), ['r-e4', 'r-e1']);
  t.same(ids(historyOf(app.db, admin, bob.id, 1)), ['r-e3'], 'at most the limit');
  const first = historyOf(app.db, admin, bob.id, 10);
  t.equal(first[1]!.action, 'user.update');
  t.same(first[1]!.changes?.notes, ['<script>alert(1)</script>', 'fine']);
  t.ok(first[1]!.at instanceof Date);
  const signins = historyOf(app.db, admin, admin.id, 10);
  t.same(
    signins.map((r) => r.action),
    ['admin.signin', 'admin.signin_failed'],
  );
  t.ok(
    signins.every((r) => r.requestId !== ''),
    'sign-ins carry their request id',
  );
  t.same(
    historyOf(app.db, actorOf(app.db, { ...admin, id: 9999, adminRole: 'admin' })!, ann.id, 10),
    [],
    'outside the scope: nothing',
  );
});
