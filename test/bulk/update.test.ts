import t from 'tap';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/connection.js';
import { auditCount, bulkTeam, finishedJob, ticked } from '../helpers/bulk.js';
import { applyUpdate, type BulkChanges } from '../../src/bulk/update.js';
import { openJobDatabase } from '../../src/jobs/job-database.js';

const territoryOf = (db: Db, id: number) =>
  db.get<{ name: string | null }>(
    sql`select t.name from users u left join territories t on t.id = u.territory_id where u.id = ${id}`,
  )!.name;

t.test(
  'ticked users: form, confirmation with counts and a preview, then one audit entry per changed user',
  async (t) => {
    const ctx = await bulkTeam(t);
    const form = await ctx.browser.post('/users/bulk', ticked('update', ctx.ann.id, ctx.cy.id, ctx.di.id));
    t.equal(form.statusCode, 200);
    t.match(form.body, /Update 3 users/);
    t.match(form.body, /Leave unchanged/);

    const fields: [string, string][] = [
      ['id', String(ctx.ann.id)],
      ['id', String(ctx.cy.id)],
      ['id', String(ctx.di.id)],
      ['territory', String(ctx.nordics)],
      ['groups_mode', 'add'],
      ['groups', String(ctx.sales)],
    ];
    const review = await ctx.browser.post('/users/bulk/update/review', fields);
    t.equal(review.statusCode, 200);
    t.match(review.body, /<strong>3 users<\/strong> will change, of 3 users selected/);
    t.match(review.body, /Territory: Nordics/);
    t.match(review.body, /Groups: add Sales/);
    t.match(review.body, /Cy Nordin/, 'a preview names some of them');

    const before = auditCount(ctx.app, 'user.update');
    const started = await ctx.browser.post('/users/bulk/update', fields);
    const { page, job } = await finishedJob(ctx.app, ctx.browser, started);
    t.equal(job.state, 'done');
    t.match(page.body, /3 users updated/);
    t.equal(territoryOf(ctx.db, ctx.ann.id), 'Nordics');
    t.equal(territoryOf(ctx.db, ctx.cy.id), 'Nordics');
    t.equal(auditCount(ctx.app, 'user.update') - before, 3, 'one entry per changed user');
    const entry = ctx.db.get<{ changes: string; detail: string }>(
      sql`select changes, detail from audit_entries where target_user_id = ${ctx.cy.id} and action = 'user.update' order by id desc limit 1`,
    )!;
    t.same(JSON.parse(entry.changes), { territory: ['Iberia', 'Nordics'] }, 'field-level before → after');
    const di = ctx.db.get<{ changes: string }>(
      sql`select changes from audit_entries where target_user_id = ${ctx.di.id} and action = 'user.update' order by id desc limit 1`,
    )!;
    t.same(JSON.parse(di.changes), { groups: [['Support'], ['Sales', 'Support']] }, 'only what changed for each user');

    const list = await ctx.browser.get('/users?sort=territory');
    t.match(list.body, /Nordics/);
  },
);

t.test('all matching: the filters decide, scope applies, and users already as asked are counted apart', async (t) => {
  const ctx = await bulkTeam(t);
  const query = `group=${ctx.sales}`;
  const fields: [string, string][] = [
    ['all', '1'],
    ['query', query],
    ['status', 'inactive'],
  ];
  const review = await ctx.browser.post('/users/bulk/update/review', fields);
  t.match(review.body, /<strong>2 users<\/strong> will change, of 2 users selected/);
  const { job } = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/update', fields));
  t.equal(job.summary!.counts.find((c) => c.label === 'Changed')!.value, 2);
  const statuses = ctx.db.all<{ username: string; status: string }>(
    sql`select username, status from users order by username`,
  );
  t.same(
    statuses.map((s) => `${s.username}:${s.status}`),
    ['admin:active', 'ann:inactive', 'boss:active', 'cy:inactive', 'di:active'],
  );
});

t.test('the form keeps its input and says what is wrong', async (t) => {
  const ctx = await bulkTeam(t);
  const nothing = await ctx.browser.post('/users/bulk/update/review', [['id', String(ctx.ann.id)]]);
  t.equal(nothing.statusCode, 422);
  t.match(nothing.body, /Choose at least one change/);
  const bad = await ctx.browser.post('/users/bulk/update/review', [
    ['id', String(ctx.ann.id)],
    ['groups_mode', 'add'],
    ['territory', String(ctx.nordics)],
    ['supervisor_mode', 'set'],
    ['supervisor', 'Nobody (999999)'],
  ]);
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Choose the groups to add/);
  t.match(bad.body, /Choose the supervisor from the suggestions/);
  t.match(bad.body, new RegExp(`<option value="${ctx.nordics}" selected>Nordics`), 'the territory chosen is kept');
});

t.test('refused users are named with the reason; the rest change', async (t) => {
  const ctx = await bulkTeam(t);
  const fields: [string, string][] = [
    ...ticked('update', ctx.admin.id, ctx.ann.id, ctx.boss.id).slice(1),
    ['supervisor_mode', 'set'],
    ['supervisor', `Ann Öberg (${ctx.ann.id})`],
  ];
  fields.push(['status', 'inactive']);
  const review = await ctx.browser.post('/users/bulk/update/review', fields);
  t.match(review.body, /You cannot deactivate your own account/);
  t.match(review.body, /Nobody can be their own supervisor/);
  t.match(review.body, /reports to them, directly or through others/, 'Ann reports to Bo: Bo cannot report to Ann');
  t.match(review.body, /3 users will be left alone/);
  t.match(review.body, /<strong>0 users<\/strong> will change/);
  t.notMatch(review.body, /action="\/users\/bulk\/update"/, 'nothing to apply');
});

t.test('ids outside the scope or unknown refuse the whole action', async (t) => {
  const ctx = await bulkTeam(t);
  const res = await ctx.browser.post('/users/bulk/update/review', [
    ['id', String(ctx.ann.id)],
    ['id', '424242'],
    ['status', 'inactive'],
  ]);
  t.equal(res.statusCode, 403);
  t.match(res.body, /1 of the selected users is not yours to change/);
  const started = await ctx.browser.post('/users/bulk/update', [
    ['id', String(ctx.ann.id)],
    ['id', '424242'],
    ['status', 'inactive'],
  ]);
  const { job, page } = await finishedJob(ctx.app, ctx.browser, started);
  t.equal(job.state, 'failed', 'the work checks again, in its transaction');
  t.match(page.body, /1 of the selected users is not yours to change, or no longer in the list. Nothing was changed./);
  t.equal(ctx.db.get<{ status: string }>(sql`select status from users where id = ${ctx.ann.id}`)!.status, 'active');
});

t.test('all or nothing: a failure part-way through changes nothing', async (t) => {
  const ctx = await bulkTeam(t);
  // The audit log refuses the third entry: the users updated before it must be rolled back.
  ctx.db.run(sql`create trigger fail_third before insert on audit_entries
    when (select count(*) from audit_entries where detail = 'Bulk update') >= 2
    begin select raise(abort, 'disk full'); end`);
  const before = auditCount(ctx.app, 'user.update');
  const fields: [string, string][] = [
    ...ticked('update', ctx.ann.id, ctx.cy.id, ctx.di.id).slice(1),
    ['licence', 'viewer'],
  ];
  const { job, page } = await finishedJob(ctx.app, ctx.browser, await ctx.browser.post('/users/bulk/update', fields));
  t.equal(job.state, 'failed');
  t.match(page.body, /nothing was changed/i);
  t.same(
    ctx.db.all<{ l: string }>(
      sql`select distinct licence_type as l from users where id in (${ctx.ann.id}, ${ctx.cy.id}, ${ctx.di.id})`,
    ),
    [{ l: 'none' }],
  );
  t.equal(auditCount(ctx.app, 'user.update'), before);
});

t.test('without a CSRF token nothing starts', async (t) => {
  const ctx = await bulkTeam(t);
  const res = await ctx.browser.post('/users/bulk/update', [
    ['_csrf', ''],
    ['id', String(ctx.ann.id)],
    ['status', 'inactive'],
  ]);
  t.equal(res.statusCode, 403);
});

t.test('jobs write without foreign-key checks, so a reference gone since the form refuses the update', async (t) => {
  const ctx = await bulkTeam(t);
  const jobDb = openJobDatabase(ctx.app.config.databaseFile);
  t.teardown(() => jobDb.$client.close());
  const selection = { ids: [ctx.ann.id, ctx.cy.id] };
  const apply = (changes: BulkChanges) => () => applyUpdate(jobDb, ctx.admin, selection, changes, 'r1', () => {});
  t.throws(apply({ lists: {}, references: { territory: 424242 } }), {
    message: 'The territory chosen no longer exists.',
  });
  t.throws(apply({ lists: { groups: { mode: 'add', ids: [ctx.sales, 424242] } }, references: {} }), {
    message: 'Some of the groups chosen no longer exist.',
  });
  t.throws(apply({ lists: {}, references: {}, supervisor: { id: 424242, label: 'Gone (424242)' } }), {
    message: 'The supervisor chosen is no longer in the list.',
  });
  t.equal(territoryOf(ctx.db, ctx.cy.id), 'Iberia', 'nothing changed');
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from user_groups where ref_id = 424242`)!.n, 0);
  t.equal(ctx.db.get<{ n: number }>(sql`pragma foreign_key_check`), undefined, 'no dangling reference');
});

t.test('each entry shows exactly the fields that changed for that user, in every kind of field', async (t) => {
  const ctx = await bulkTeam(t);
  const jobDb = openJobDatabase(ctx.app.config.databaseFile);
  t.teardown(() => jobDb.$client.close());
  jobDb.$client.prepare("update users set licence_type = 'full', two_step_enabled = 1 where id = ?").run(ctx.di.id);
  const support = ctx.db.get<{ id: number }>(sql`select id from groups where name = 'Support'`)!.id;
  const changes: BulkChanges = {
    lists: { groups: { mode: 'remove', ids: [support] } },
    references: { territory: null },
    supervisor: { id: ctx.boss.id, label: 'Bo Ssman' },
    licence: 'full',
    status: 'inactive',
    twoStep: true,
  };
  const outcome = applyUpdate(jobDb, ctx.admin, { ids: [ctx.cy.id, ctx.di.id] }, changes, 'r1', () => {});
  t.equal(outcome.changed, 2);
  const entryOf = (id: number) =>
    JSON.parse(
      ctx.db.get<{ changes: string }>(
        sql`select changes from audit_entries where target_user_id = ${id} and action = 'user.update'`,
      )!.changes,
    );
  const boss = `Bo Ssman (${ctx.boss.id})`;
  t.same(entryOf(ctx.cy.id), {
    territory: ['Iberia', null],
    supervisor: [null, boss],
    licenceType: ['none', 'full'],
    status: ['active', 'inactive'],
    twoStepEnabled: [false, true],
  });
  t.same(
    entryOf(ctx.di.id),
    {
      groups: [['Support'], []],
      territory: ['Nordics', null],
      supervisor: [null, boss],
      status: ['active', 'inactive'],
    },
    'licence and two-step were already as asked, and Di alone was in Support',
  );
});
