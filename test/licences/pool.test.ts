import t from 'tap';
import { sql } from 'drizzle-orm';
import { licenceTeam } from './fixture.js';
import { auditCount } from '../helpers/bulk.js';

t.test(
  'a superuser sets the pool: numbers, empty for unlimited, and the release choice, audited in words',
  async (t) => {
    const ctx = await licenceTeam(t);
    const page = await ctx.browser.get('/licences');
    t.equal(page.statusCode, 200);
    t.match(page.body, /Full licences/);
    t.match(page.body, /CRM add-on/);
    t.match(page.body, /Keep their licences \(the default\)/);

    const saved = await ctx.browser.post('/licences', [
      ['seats-full', '10'],
      ['seats-viewer', ''],
      [`seats-addon-${ctx.crm}`, '3'],
      [`seats-addon-${ctx.rebates}`, ''],
      ['release', 'release'],
    ]);
    t.equal(saved.statusCode, 303);
    t.same(ctx.db.all(sql`select licence_type, seats from licence_seats`), [{ licence_type: 'full', seats: 10 }]);
    t.same(ctx.db.all(sql`select addon_id, seats from addon_seats`), [{ addon_id: ctx.crm, seats: 3 }]);
    const entry = ctx.db.get<{ detail: string }>(sql`select detail from audit_entries where action = 'licences.pool'`)!;
    t.equal(
      entry.detail,
      'Full: unlimited → 10; CRM: unlimited → 3; inactive and blocked users keep their seats → inactive and blocked users release their seats',
    );
    const again = await ctx.browser.get('/licences');
    t.match(again.body, /1 of 10 used, 9 free/, 'the first superuser holds a full licence');
    t.match(again.body, /value="release" checked/);

    // Saving the same again changes nothing and writes no entry.
    await ctx.browser.post('/licences', [
      ['seats-full', '10'],
      [`seats-addon-${ctx.crm}`, '3'],
      ['release', 'release'],
    ]);
    t.equal(auditCount(ctx.app, 'licences.pool'), 1);
  },
);

t.test('a number that is not one is refused with the input kept and nothing saved', async (t) => {
  const ctx = await licenceTeam(t);
  await ctx.browser.get('/licences');
  const refused = await ctx.browser.post('/licences', [
    ['seats-full', 'ten'],
    ['seats-viewer', '5'],
  ]);
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Full: enter a whole number of seats from 0 to 10,000,000, or leave it empty for unlimited/);
  t.match(refused.body, /value="ten"/);
  t.match(refused.body, /value="5"/);
  t.equal(ctx.db.get<{ n: number }>(sql`select count(*) as n from licence_seats`)!.n, 0);
});
