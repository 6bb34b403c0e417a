import t from 'tap';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { countText, pagerLink, usernamesIn } from '../helpers/list-page.js';

// Enough users that counting them all is skipped: the count is estimated from samples.
const USERS = 45_000;

t.test('past ten thousand matches the count is an estimate, and paging still holds together', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: USERS, replace: false });
  const browser = new Client(app);
  await browser.signIn();

  const first = (await browser.get('/users?sort=username')).body;
  t.match(countText(first), /^Showing 1–50 of about 4[2-8],\d00 users$/, `about N, to two significant figures: ${countText(first)}`);

  // Keyset paging: Next from page 1 shows exactly what page 2 by offset shows.
  const next = (await browser.get(pagerLink(first, 'Next')!)).body;
  const byOffset = (await browser.get('/users?sort=username&page=2')).body;
  t.same(usernamesIn(next), usernamesIn(byOffset));
  t.match(countText(next), /^Showing 51–100 of about/);

  // The last page of an estimate: the final rows, in order, however many there are.
  const last = (await browser.get(pagerLink(first, 'Last')!)).body;
  t.match(countText(last), /^Showing the last 50 of about/);
  const reversed = (await browser.get('/users?sort=-username')).body;
  t.same(usernamesIn(last), usernamesIn(reversed).reverse(), 'the same users as the first page of the reverse order');
  t.equal(pagerLink(last, 'Next'), undefined, 'nothing after the last page');
  const beforeLast = (await browser.get(pagerLink(last, 'Previous')!)).body;
  t.same(usernamesIn(beforeLast), usernamesIn((await browser.get('/users?sort=-username&page=2')).body).reverse());

  // A filter with fewer matches is counted exactly.
  const exact = app.db.$client.prepare("select count(*) from users where status = 'inactive' and territory_id = 1").pluck().get() as number;
  t.ok(exact > 0 && exact < 10_000);
  const filtered = (await browser.get('/users?status=inactive&territory=1')).body;
  t.match(countText(filtered), new RegExp(`^Showing 1–50 of ${exact.toLocaleString('en')} users$`));
});

t.test('a directory too small to sample is counted exactly, even past ten thousand', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  seedUsers(app.db, { users: 12_000, replace: false });
  const browser = new Client(app);
  await browser.signIn();
  t.equal(countText((await browser.get('/users')).body), 'Showing 1–50 of 12,001 users');
});
