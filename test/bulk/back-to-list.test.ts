import t from 'tap';
import { bulkTeam, finishedJob, ticked } from '../helpers/bulk.js';

// Ticking rows on a filtered list and acting on them leads back to that same list.
t.test('after acting on ticked rows, Cancel and Back return to the filtered list', async (t) => {
  const ctx = await bulkTeam(t);
  const from = 'status=active&q=nordin';
  const fields: [string, string][] = [...ticked('block', ctx.cy.id), ['query', from]];
  const filtered = /href="\/users\?[^"]*q=nordin[^"]*"/;

  const confirm = await ctx.browser.post('/users/bulk', fields);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, new RegExp(`${filtered.source}>Cancel</a>`), 'Cancel keeps the filters');

  const started = await ctx.browser.post('/users/bulk/apply', fields);
  const { page } = await finishedJob(ctx.app, ctx.browser, started);
  t.match(page.body, new RegExp(`${filtered.source}[^>]*>Back to the users list</a>`), 'Back keeps the filters');
});
