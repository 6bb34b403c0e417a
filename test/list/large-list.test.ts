import t from 'tap';
import { planList, pageOfIds } from '../../src/list/list-repository.js';
import { parseListQuery } from '../../src/list/list-query.js';
import { seedUsers } from '../../src/seed/seed.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { countText, pagerLink, usernamesIn } from '../helpers/list-page.js';

// Enough users that the count comes from samples once fewer than all may be fetched whole.
const USERS = 45_000;
const app = await buildTestApp(t);
const admin = await addSuperuser(app);
seedUsers(app.db, { users: USERS, replace: false });
const browser = new Client(app);
await browser.signIn();

t.test('tens of thousands of matches are counted exactly and paged from their sorted list', async (t) => {
  const first = (await browser.get('/users?sort=username')).body;
  t.equal(countText(first), 'Showing 1–50 of 45,001 users');

  const next = (await browser.get(pagerLink(first, 'Next')!)).body;
  t.same(usernamesIn(next), usernamesIn((await browser.get('/users?sort=username&page=2')).body), 'Next is page 2');
  t.equal(countText(next), 'Showing 51–100 of 45,001 users');
  const back = (await browser.get(pagerLink(next, 'Previous')!)).body;
  t.same(usernamesIn(back), usernamesIn(first), 'Previous returns to page 1');

  const last = (await browser.get(pagerLink(first, 'Last')!)).body;
  t.equal(countText(last), 'Showing 45,001–45,001 of 45,001 users', 'the last page holds the one user left over');
  const reversed = usernamesIn((await browser.get('/users?sort=-username')).body);
  t.same(usernamesIn(last), reversed.slice(0, 1));

  const exact = app.db.$client
    .prepare("select count(*) from users where status = 'inactive' and territory_id = 1")
    .pluck()
    .get() as number;
  t.equal(
    countText((await browser.get('/users?status=inactive&territory=1')).body),
    `Showing 1–50 of ${exact.toLocaleString('en')} users`,
  );
});

t.test('past the limit of what is fetched whole, the count is an estimate and pages walk the index', async (t) => {
  const query = (params: Record<string, string>) => parseListQuery({ sort: 'username', ...params });
  const plan = planList(app.db, admin, query({}), 10_000);
  t.equal(plan.count.exact, false);
  t.ok(plan.count.value > 40_000 && plan.count.value < 50_000, `about ${plan.count.value}`);
  t.equal(plan.matches, undefined, 'nothing fetched whole');

  const page1 = pageOfIds(app.db, plan, query({}));
  const page2 = pageOfIds(app.db, plan, {
    ...query({ page: '2' }),
    cursor: { direction: 'after', key: page1.lastKey! },
  });
  const byOffset = pageOfIds(app.db, plan, query({ page: '2' }));
  t.same(page2.ids, byOffset.ids, 'keyset and offset agree');
  const last = pageOfIds(app.db, plan, query({ page: 'last' }));
  const lastReversed = pageOfIds(app.db, plan, query({ sort: '-username' }));
  t.same(last.ids, [...lastReversed.ids].reverse(), 'the last page is read backwards from the end');
});

t.test('a directory too small to sample is counted exactly even past the limit', async (t) => {
  const small = await buildTestApp(t);
  const root = await addSuperuser(small);
  seedUsers(small.db, { users: 12_000, replace: false });
  const plan = planList(small.db, root, parseListQuery({}), 10_000);
  t.same(plan.count, { value: 12_001, exact: true });
});
