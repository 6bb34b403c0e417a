import t from 'tap';
import { auditUrl, isFiltered, parseAuditQuery } from '../../src/audit/audit-query.js';
import { valueWords } from '../../src/audit/change-words.js';
import { dateWords } from '../../src/dates.js';

t.test('a query survives the trip through its URL', async (t) => {
  const params = { actor: 'Ada', target: 'Öström', action: 'user.block', from: '2026-01-01', to: '2026-01-31' };
  const query = parseAuditQuery({ ...params, after: '1767225600000-42' });
  t.same(query, {
    filters: { actor: 'Ada', target: 'Öström', action: 'user.block', from: '2026-01-01', to: '2026-01-31' },
    cursor: { direction: 'after', at: 1767225600000, id: 42 },
  });
  t.ok(isFiltered(query));
  const url = auditUrl(query);
  t.same(parseAuditQuery(Object.fromEntries(new URL(url, 'http://x').searchParams)), query);
  t.equal(auditUrl(query, null).includes('after='), false, 'null leads to the newest page');
  t.equal(auditUrl(parseAuditQuery({})), '/audit', 'defaults stay out of the URL');
});

t.test('malformed parameters are ignored', async (t) => {
  const query = parseAuditQuery({
    actor: '   ',
    action: 'toString',
    from: '2026-02-30',
    to: '31/01/2026',
    before: '12-x',
    after: ['1-1', 'nonsense'],
  });
  t.same(query, { filters: { actor: '', target: '' }, cursor: undefined });
  t.notOk(isFiltered(query));
  t.equal(parseAuditQuery({ actor: 'x'.repeat(500) }).filters.actor.length, 200, 'long text is cut');
  t.same(parseAuditQuery({ before: '5-6' }).cursor, { direction: 'before', at: 5, id: 6 });
});

t.test('recorded values read as a person expects', async (t) => {
  const utc = dateWords(null);
  const valueText = (value: unknown, key = 'notes') => valueWords(key, value, utc);
  t.equal(valueText(null), '—');
  t.equal(valueText(''), '—');
  t.equal(valueText([]), '—');
  t.equal(valueText(true), 'Yes');
  t.equal(valueText(false), 'No');
  t.equal(valueText(['Sales', 'Support']), 'Sales, Support');
  t.equal(valueText({ mon: '9-17' }), 'Mon: 9-17');
  t.equal(valueText(42), '42');
});
