import { sql } from 'drizzle-orm';
import t from 'tap';
import { auditCount, finishedJob } from '../helpers/bulk.js';
import { confirmImport, importReady, previewOf } from '../helpers/import.js';

t.test('ten thousand users import in one transaction, with one audit entry each', async (t) => {
  const ctx = await importReady(t);
  const rows = ['Last Name,First Name,User Type,Email,Groups,Territory,Supervisor'];
  for (let i = 0; i < 10_000; i++) {
    // Every tenth person reports to the first one in the file, the rest to Bo, already in Roster.
    rows.push(
      `Lund${i},Eva,Employee,eva${i}@example.com,Sales;Support,North,${i % 10 === 0 && i > 0 ? 'eva.lund0' : 'boss'}`,
    );
  }
  const { page, location } = await previewOf(ctx.app, ctx.browser, rows.join('\n'));
  t.match(page.body, /<strong>10,000 users<\/strong> will be created/);
  t.match(page.body, /and 9,990 users more/);

  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'done', job.error ?? '');
  t.equal(auditCount(ctx.app, 'user.create'), 10_000);
  const counted = ctx.db.get<{ n: number; linked: number }>(
    sql`select count(*) as n, sum(supervisor_id is not null) as linked from users where email like 'eva%'`,
  )!;
  t.same(counted, { n: 10_000, linked: 10_000 });

  // The search index is written for the whole file at once, and the trigger that keeps it in
  // step with single writes is back in place afterwards.
  t.match((await ctx.browser.get('/users?q=lund9876')).body, /Lund9876/, 'an imported user is found by search');
  t.notMatch((await ctx.browser.get('/users?q=lund9876')).body, /Lund9875/);
  const triggers = ctx.db.all<{ name: string }>(
    sql`select name from sqlite_master where type = 'trigger' and name like 'users_fts_%' order by name`,
  );
  t.same(
    triggers.map((r) => r.name),
    ['users_fts_delete', 'users_fts_insert', 'users_fts_update'],
  );
});
