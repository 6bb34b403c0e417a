import t from 'tap';
import { sql } from 'drizzle-orm';
import { listQueryFromString } from '../../src/list/list-query.js';
import { signedInWithAnnAndBoss } from '../helpers/directory.js';

/**
 * An ad hoc filter that cannot be applied is never dropped in silence: the page says so beside
 * the filter, the list says no filter is applied, and acting on "all matching" is refused, so a
 * bulk action can never reach every user by accident.
 */
const HOSTILE: [string, RegExp][] = [
  [
    'field=email&op=before&value=abc',
    /Email cannot be filtered with “before”: choose “equals”, “contains”, “starts with”, “is empty”\./,
  ],
  ['field=lastSignin&op=before&value=yesterday', /Enter a date for Last sign-in, such as 2026-01-31\./],
  ['field=email&op=contains&value=', /Enter a value for Email\./],
  ['field=nonsense&op=eq&value=x', /Choose a field from the list\./],
  ['field=email&op=toString&value=x', /Email cannot be filtered with “toString”/],
];

t.test('each problem is named, kept as typed, and bulk actions are off', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  for (const [query, problem] of HOSTILE) {
    const page = await ctx.browser.get(`/users?${query}`);
    t.equal(page.statusCode, 200, query);
    t.match(page.body, problem, `${query}: the reason beside the filter`);
    t.match(page.body, /No filter is applied\. The list shows every user you may see/, `${query}: the list says so`);
    t.match(page.body, /<details class="menu more-filters[^"]*" open>/, `${query}: the filter is open to fix`);
    t.notMatch(page.body, /id="bulk-form"/, `${query}: no bulk bar`);
    t.notMatch(page.body, />Export CSV</, `${query}: no export`);
    t.ok(listQueryFromString(query).invalidFilter, `${query}: the query knows it is invalid`);
  }
  const typed = await ctx.browser.get('/users?field=email&op=before&value=%3Cb%3Eabc');
  t.match(typed.body, /value="&lt;b&gt;abc"/, 'the value stays as typed, escaped');
});

t.test('"all matching" with such a filter is refused, and nothing changes', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  await ctx.browser.get('/users');
  const activeBefore = ctx.db.get<{ n: number }>(sql`select count(*) as n from users where status = 'active'`)!.n;
  for (const path of ['/users/bulk', '/users/bulk/apply']) {
    const res = await ctx.browser.post(path, [
      ['action', 'deactivate'],
      ['all', '1'],
      ['query', 'field=email&op=before&value=abc'],
    ]);
    t.equal(res.statusCode, 422, path);
    t.match(res.body, /The filter on any field cannot be used: Email cannot be filtered with “before”/, path);
  }
  const exported = await ctx.browser.post('/users/export', [['query', 'field=email&op=before&value=abc']]);
  t.equal(exported.statusCode, 422, 'nor is everyone exported');
  t.equal(
    ctx.db.get<{ n: number }>(sql`select count(*) as n from users where status = 'active'`)!.n,
    activeBefore,
    'nobody was deactivated',
  );
});

t.test('a valid filter still applies, and a form without a field is no filter at all', async (t) => {
  t.same(listQueryFromString('field=email&op=contains&value=ann').adhoc, {
    field: 'email',
    op: 'contains',
    value: 'ann',
  });
  const blank = listQueryFromString('field=&op=eq&value=');
  t.equal(blank.adhoc, undefined);
  t.equal(blank.invalidFilter, undefined);
});
