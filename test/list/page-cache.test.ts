import Database from 'better-sqlite3';
import t from 'tap';
import { Client } from '../helpers/app.js';
import { signedInHelper, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { decode, usernamesIn } from '../helpers/list-page.js';

/** Rendered list pages are kept until the data changes: never a stale row, never someone else's page. */

const emailOf = (html: string, username: string) =>
  new RegExp(`<td class="col-username">${username}</td>\\s*<td class="col-email">([^<]*)</td>`).exec(html)?.[1];

t.test('a change made anywhere shows on the next list request', async (t) => {
  const { app, db, browser } = await signedInWithAnnAndBoss(t);
  await browser.get('/users');
  t.equal(emailOf((await browser.get('/users')).body, 'ann'), 'ann@example.com', 'the page as first rendered');

  const other = new Database(app.config.databaseFile);
  t.teardown(() => other.close());
  other.prepare("update users set email = 'ann@elsewhere.example' where username = 'ann'").run();
  t.equal(emailOf((await browser.get('/users')).body, 'ann'), 'ann@elsewhere.example', 'another process’s commit');

  db.$client.prepare("update users set email = 'ann@here.example' where username = 'ann'").run();
  t.equal(emailOf((await browser.get('/users')).body, 'ann'), 'ann@here.example', 'a write through this process');

  const fragment = await browser.get('/users', { 'hx-request': 'true', 'hx-request-type': 'partial' });
  t.notMatch(fragment.body, '<html', 'htmx still gets the fragment, not the kept full page');
  t.equal(emailOf(fragment.body, 'ann'), 'ann@here.example');
});

t.test('each session gets its own CSRF token in a kept page, and its own flash', async (t) => {
  const { app, browser } = await signedInWithAnnAndBoss(t);
  const second = new Client(app);
  await second.signIn();
  const first = await browser.get('/users');
  const kept = await second.get('/users');
  t.same(usernamesIn(kept.body), usernamesIn(first.body), 'the same page');
  t.not(second.csrfToken, browser.csrfToken, 'with a token of its own');
  t.notMatch(kept.body, 'csrf-mark', 'no placeholder left in the page');

  const refused = await app.inject({
    method: 'POST',
    url: '/users/columns',
    headers: { cookie: second.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: browser.csrfToken, reset: '1' }).toString(),
  });
  t.equal(refused.statusCode, 403, 'one session’s token does not work for another');

  const reset = await second.post('/users/columns', { reset: '1', back: '/users' });
  t.equal(reset.statusCode, 302, 'its own token works');
  const after = await second.get('/users');
  t.match(decode(after.body), 'Columns reset to the default.', 'the flash shows on the next page');
  t.notMatch(decode((await second.get('/users')).body), 'Columns reset', 'once');
  t.notMatch(decode((await browser.get('/users')).body), 'Columns reset', 'and only to that session');
});

t.test('another administrator never gets a page kept for someone else', async (t) => {
  const { app, browser } = await signedInWithAnnAndBoss(t);
  t.ok(usernamesIn((await browser.get('/users')).body).includes('ann'));
  const { client } = await signedInHelper(app);
  const page = await client.get('/users');
  t.same(usernamesIn(page.body), [], 'an administrator without scope sees nobody');
  t.notMatch(decode(page.body), 'Ada Admin', 'nor the other administrator’s name in the header');
});

t.test('Cache-Control: no-cache renders afresh, for what changes with the clock alone', async (t) => {
  const { db, browser, ann } = await signedInWithAnnAndBoss(t);
  db.$client.prepare('update users set locked_until = ? where id = ?').run(Date.now() + 300, ann.id);
  t.match((await browser.get('/users')).body, /ann<\/td>[\s\S]*?badge-warning">Locked/, 'locked for now');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const fresh = await browser.get('/users', { 'cache-control': 'no-cache' });
  t.match(fresh.body, /ann<\/td>[\s\S]*?badge-success">Active/, 'the lock has ended');
});
