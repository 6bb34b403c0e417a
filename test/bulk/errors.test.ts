import t from 'tap';
import { sql } from 'drizzle-orm';
import { MAX_TICKED } from '../../src/bulk/selection.js';
import { MAX_TEMPORARY_PASSWORDS } from '../../src/bulk/passwords.js';
import { auditCount, bulkTeam, finishedJob, storedUser, ticked } from '../helpers/bulk.js';
import { signedInHelper } from '../helpers/directory.js';

t.test('a selection that is empty, too large, or without a known action is refused with a message', async (t) => {
  const ctx = await bulkTeam(t);
  const none = await ctx.browser.post('/users/bulk', [['action', 'deactivate']]);
  t.equal(none.statusCode, 422);
  t.match(none.body, /Select at least one user first/);

  const many = Array.from({ length: MAX_TICKED + 1 }, (_, i): [string, string] => ['id', String(i + 1)]);
  const tooMany = await ctx.browser.post('/users/bulk', [['action', 'deactivate'], ...many]);
  t.equal(tooMany.statusCode, 422);
  t.match(tooMany.body, /At most 10,000 users can be ticked; use “Select all matching” instead/);

  for (const path of ['/users/bulk', '/users/bulk/apply']) {
    const unknown = await ctx.browser.post(path, ticked('launch-missiles', ctx.ann.id));
    t.equal(unknown.statusCode, 422, path);
    t.match(unknown.body, /Choose an action for the selected users/);
  }
  t.equal(storedUser(ctx.db, ctx.ann.id).status, 'active', 'nothing changed');
});

t.test('an administrator without scope acts on nobody, ticked or all matching', async (t) => {
  const ctx = await bulkTeam(t);
  const { client: scoped } = await signedInHelper(ctx.app);
  await scoped.get('/users');
  const ticks = await scoped.post('/users/bulk', ticked('deactivate', ctx.ann.id));
  t.equal(ticks.statusCode, 403);
  t.match(ticks.body, /1 of the selected users is not yours to change/);

  const all = await scoped.post('/users/bulk', [
    ['action', 'deactivate'],
    ['all', '1'],
    ['query', ''],
  ]);
  t.match(all.body, /<strong>0 users<\/strong> will change, of 0 users selected/);
  const { job } = await finishedJob(
    ctx.app,
    scoped,
    await scoped.post('/users/bulk/apply', [
      ['action', 'deactivate'],
      ['all', '1'],
      ['query', ''],
    ]),
  );
  t.equal(job.summary!.counts.find((c) => c.label === 'Changed')!.value, 0);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from users where status = 'inactive'`)!.n, 0);
});

t.test('change supervisor: pickers checked, the count shown, then everyone moves', async (t) => {
  const ctx = await bulkTeam(t);
  ctx.db.run(sql`update users set supervisor_id = ${ctx.boss.id} where id = ${ctx.cy.id}`);
  const page = await ctx.browser.get('/users/supervisor-change');
  t.match(page.body, /Current supervisor/);

  const same = await ctx.browser.post('/users/supervisor-change', {
    current: `Bo Ssman (${ctx.boss.id})`,
    replacement: `Bo Ssman (${ctx.boss.id})`,
  });
  t.equal(same.statusCode, 422);
  t.match(same.body, /Choose someone other than the current supervisor/);
  const unknown = await ctx.browser.post('/users/supervisor-change', { current: 'Nobody', replacement: '' });
  t.match(unknown.body, /Choose the current supervisor from the suggestions/);
  t.match(unknown.body, /Choose the new supervisor from the suggestions/);
  t.match(unknown.body, /value="Nobody"/, 'what was typed is kept');

  const review = await ctx.browser.post('/users/supervisor-change', {
    current: `Bo Ssman (${ctx.boss.id})`,
    replacement: `Di Åhlund (${ctx.di.id})`,
  });
  t.equal(review.statusCode, 200);
  t.match(review.body, /<strong>2 users<\/strong> will change, of 2 users selected/);
  t.match(review.body, /Supervisor: Di Åhlund/);

  // The confirmation's own form, as the browser would post it.
  const fields = [...review.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)]
    .filter((m) => m[1] !== '_csrf')
    .map((m): [string, string] => [m[1]!, m[2]!]);
  const before = auditCount(ctx.app, 'user.update');
  const { page: done } = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/update', fields));
  t.match(done.body, /2 users updated/);
  t.same(
    ctx.db.all<{ username: string }>(
      sql`select username from users where supervisor_id = ${ctx.di.id} order by username`,
    ),
    [{ username: 'ann' }, { username: 'cy' }],
  );
  t.equal(auditCount(ctx.app, 'user.update') - before, 2);
  const list = await ctx.browser.get('/users?q=supervisor:di');
  t.match(list.body, /Ann Öberg/, 'the search by supervisor finds them under the new one');
});

t.test('temporary passwords for too many users: the page says so, and the work refuses too', async (t) => {
  const ctx = await bulkTeam(t);
  ctx.db.run(sql`insert into users (username, last_name, name_sort)
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${MAX_TEMPORARY_PASSWORDS})
    select 'extra' || i, 'Extra', 'extra' from n`);
  const all: [string, string][] = [
    ['action', 'reset'],
    ['all', '1'],
    ['query', ''],
  ];
  const confirm = await ctx.browser.post('/users/bulk', all);
  t.match(confirm.body, /Temporary passwords are made for at most 1,000 users at a time: select fewer/);
  t.notMatch(confirm.body, /action="\/users\/bulk\/apply"/, 'no button to go on');
  const { job } = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/apply', all));
  t.equal(job.state, 'failed');
  t.match(job.error!, /at most 1,000 users at a time, and 1,00\d were selected. Nothing was changed./);
  t.equal(auditCount(ctx.app, 'user.password'), 0);
});

t.test('restoring by hand-made ids that are not in the trash refuses the whole batch', async (t) => {
  const ctx = await bulkTeam(t);
  const { job, page } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/trash/restore', [['id', String(ctx.ann.id)]]),
  );
  t.equal(job.state, 'failed');
  t.match(page.body, /1 of the selected users is not yours to change, or no longer in the list/);
  const empty = await ctx.browser.post('/trash/restore', []);
  t.equal(empty.statusCode, 302);
  t.match((await ctx.browser.get('/trash')).body, /Select at least one user to restore/);
});

t.test('temporary passwords can be forgotten at once', async (t) => {
  const ctx = await bulkTeam(t);
  const { id } = await finishedJob(
    ctx.app,
    ctx.browser,
    await ctx.browser.post('/users/bulk/apply', ticked('reset', ctx.cy.id)),
  );
  const forgot = await ctx.browser.post(`/jobs/${id}/forget`);
  t.equal(forgot.statusCode, 302);
  const page = await ctx.browser.get(`/jobs/${id}`);
  t.match(page.body, /The temporary passwords are forgotten/);
  t.notMatch(page.body, /passwords\.csv/, 'no download offered any more');
  t.equal((await ctx.browser.get(`/jobs/${id}/passwords.csv`)).statusCode, 302);
  t.equal((await ctx.browser.get('/jobs/not-a-job')).statusCode, 404);
});
