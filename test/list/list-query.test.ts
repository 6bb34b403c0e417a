import Database from 'better-sqlite3';
import t from 'tap';
import { COLUMNS } from '../../src/list/columns.js';
import {
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  isFiltered,
  type ListQuery,
  listQueryParams,
  listUrl,
  operatorsFor,
  parseListQuery,
} from '../../src/list/list-query.js';
import { parseSearch } from '../../src/list/list-repository.js';
import { normalize } from '../../src/text.js';
import { longestLiteral, searchDocument, termPattern } from '../../src/users/search-text.js';

type Params = Record<string, string | string[] | undefined>;

/** Parses a query string the way fastify hands it over (repeated names become arrays). */
function parseUrl(url: string): ListQuery {
  const params: Params = {};
  for (const [k, v] of new URL(url, 'http://x').searchParams) {
    const prev = params[k];
    params[k] = prev === undefined ? v : [prev, v].flat();
  }
  return parseListQuery(params);
}

const defaults: ListQuery = parseListQuery({});

t.test('an empty query string gives the default list', async (t) => {
  t.same(defaults, {
    filters: {},
    q: '',
    sort: 'name',
    descending: false,
    size: 50,
    page: 1,
    cursor: undefined,
  });
  t.equal(isFiltered(defaults), false);
  t.equal(listUrl(defaults), '/users', 'defaults are left out of the URL');
});

t.test('each quick filter is read from its parameter', async (t) => {
  const cases: [Params, ListQuery['filters']][] = [
    [{ group: '3' }, { group: 3 }],
    [{ territory: '4' }, { territory: 4 }],
    [{ company: '5' }, { company: 5 }],
    [{ type: '6' }, { userType: 6 }],
    [{ role: '7' }, { role: 7 }],
    [{ supervisor: '8' }, { supervisor: 8 }],
    [{ status: 'active' }, { status: 'active' }],
    [{ status: 'inactive' }, { status: 'inactive' }],
    [{ licence: 'full' }, { licence: 'full' }],
    [{ licence: 'viewer' }, { licence: 'viewer' }],
    [{ licence: 'none' }, { licence: 'none' }],
  ];
  for (const [params, filters] of cases) {
    const query = parseListQuery(params);
    t.same(query.filters, filters, JSON.stringify(params));
    t.equal(isFiltered(query), true);
    t.same(parseUrl(listUrl(query)).filters, filters, `${JSON.stringify(params)} survives the URL`);
  }
  t.same(
    parseListQuery({
      group: '1',
      territory: '2',
      company: '3',
      type: '4',
      role: '5',
      supervisor: '6',
      status: 'inactive',
      licence: 'viewer',
    }).filters,
    { group: 1, territory: 2, company: 3, userType: 4, role: 5, supervisor: 6, status: 'inactive', licence: 'viewer' },
    'all of them together',
  );
  t.same(parseListQuery({ group: ' 12 ' }).filters, { group: 12 }, 'surrounding spaces are ignored');
  t.same(parseListQuery({ group: ['1', '2'] }).filters, { group: 2 }, 'a repeated parameter: the last one counts');
  t.same(parseListQuery({ userType: '6' }).filters, {}, 'the URL name is "type", not the field name');
});

t.test('invalid quick filter values are ignored, not refused', async (t) => {
  for (const name of ['group', 'territory', 'company', 'type', 'role', 'supervisor']) {
    for (const value of ['abc', '0', '-1', '1.5', '1e3', '', '   ', '0x10', '12abc', '9'.repeat(16)]) {
      t.same(parseListQuery({ [name]: value }).filters, {}, `${name}=${JSON.stringify(value)}`);
    }
  }
  for (const value of ['deleted', 'Active', '', 'all']) {
    t.same(parseListQuery({ status: value }).filters, {}, `status=${value}`);
  }
  for (const value of ['gold', 'FULL', '']) {
    t.same(parseListQuery({ licence: value }).filters, {}, `licence=${value}`);
  }
  t.equal(isFiltered(parseListQuery({ group: 'abc', status: 'nope' })), false);
});

t.test('sort: a column key, "-" for descending; anything unknown gives the default', async (t) => {
  t.match(parseListQuery({ sort: 'email' }), { sort: 'email', descending: false });
  t.match(parseListQuery({ sort: '-email' }), { sort: 'email', descending: true });
  t.match(parseListQuery({ sort: '-lastSignin' }), { sort: 'lastSignin', descending: true });
  t.match(parseListQuery({ sort: '-name' }), { sort: 'name', descending: true });
  for (const sort of ['password', '-password', 'passwordHash', '--email', 'EMAIL', '', '-']) {
    t.match(parseListQuery({ sort }), { sort: 'name', descending: false }, `sort=${JSON.stringify(sort)}`);
  }
  for (const column of COLUMNS) {
    t.match(
      parseListQuery({ sort: column.key }),
      { sort: column.key, descending: false },
      `every column sorts: ${column.key}`,
    );
  }
  t.equal(listUrl(parseListQuery({ sort: 'name' })), '/users', 'the default sort is left out');
  t.equal(listUrl(parseListQuery({ sort: '-name' })), '/users?sort=-name');
  t.equal(listUrl(parseListQuery({ sort: 'email' })), '/users?sort=email');
});

t.test('page size: 25, 50, 100 or 250; anything else gives 50', async (t) => {
  for (const size of [25, 50, 100, 250]) t.equal(parseListQuery({ size: String(size) }).size, size);
  for (const size of ['10', '1000', '0', '-25', 'abc', '', '25.5', '1e9']) {
    t.equal(parseListQuery({ size }).size, DEFAULT_PAGE_SIZE, `size=${JSON.stringify(size)}`);
  }
  t.equal(listUrl(parseListQuery({ size: '50' })), '/users', 'the default size is left out');
  t.equal(listUrl(parseListQuery({ size: '100' })), '/users?size=100');
});

t.test('page numbers, and page=last', async (t) => {
  t.equal(parseListQuery({ page: '3' }).page, 3);
  t.equal(parseListQuery({ page: 'last' }).page, 'last');
  for (const page of ['0', '-2', 'abc', '', '1.5', 'LAST'])
    t.equal(parseListQuery({ page }).page, 1, `page=${JSON.stringify(page)}`);
  t.equal(listUrl(parseListQuery({ page: '1' })), '/users', 'page 1 is left out');
  t.equal(listUrl(defaults, { page: 4 }), '/users?page=4');
  t.equal(listUrl(defaults, { page: 'last' }), '/users?page=last');
});

t.test('cursors round-trip through the URL and are ignored where they mean nothing', async (t) => {
  const after = { direction: 'after', key: ['o’brien pat', 42] } as const;
  const before = { direction: 'before', key: ['Åsa', 'Öström', 7] } as const;
  const afterUrl = listUrl(defaults, { page: 2, cursor: { ...after, key: [...after.key] } });
  t.match(afterUrl, /[?&]after=/);
  t.same(parseUrl(afterUrl).cursor, after);
  t.equal(parseUrl(afterUrl).page, 2);
  const beforeUrl = listUrl(defaults, { page: 5, cursor: { ...before, key: [...before.key] } });
  t.match(beforeUrl, /[?&]before=/);
  t.same(parseUrl(beforeUrl).cursor, before);

  const token = encodeCursor({ direction: 'after', key: ['x', 1] });
  t.equal(parseListQuery({ after: token }).cursor, undefined, 'ignored on page 1');
  t.equal(parseListQuery({ page: 'last', after: token }).cursor, undefined, 'ignored on the last page');
  t.equal(
    listUrl(defaults, { page: 1, cursor: { direction: 'after', key: ['x', 1] } }),
    '/users',
    'not written on page 1',
  );
  t.equal(listUrl(defaults, { page: 'last', cursor: { direction: 'after', key: ['x', 1] } }), '/users?page=last');

  const garbage = [
    'not a cursor!',
    '%%%',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[1]').toString('base64url'),
    Buffer.from('[1,2,3,4,5]').toString('base64url'),
    Buffer.from('[null,1]').toString('base64url'),
    Buffer.from('[{},1]').toString('base64url'),
    Buffer.from('["x",1e999]').toString('base64url'),
    Buffer.from('"x"').toString('base64url'),
  ];
  for (const text of garbage) {
    t.equal(parseListQuery({ page: '2', after: text }).cursor, undefined, `after=${text}`);
    t.equal(parseListQuery({ page: '2', before: text }).cursor, undefined, `before=${text}`);
    t.equal(parseListQuery({ page: '2', after: text }).page, 2, 'the page number still counts');
  }
});

t.test('operators allowed for each kind of field', async (t) => {
  t.same(operatorsFor('lastSignin'), ['before', 'on', 'after', 'empty']);
  t.same(operatorsFor('created'), ['before', 'on', 'after', 'empty']);
  t.same(operatorsFor('licence'), ['eq', 'not']);
  t.same(operatorsFor('status'), ['eq', 'not']);
  t.same(operatorsFor('blocked'), ['eq', 'not']);
  t.same(operatorsFor('failedSignins'), ['eq', 'lt', 'gt', 'le', 'ge']);
  t.same(operatorsFor('password'), [], 'a field that is not one takes none');
  t.same(operatorsFor('email'), ['eq', 'contains', 'starts', 'empty']);
  t.same(operatorsFor('territory'), ['eq', 'contains', 'starts', 'empty']);
  t.same(operatorsFor('groups'), ['eq', 'contains', 'starts', 'empty']);
});

t.test('the ad hoc filter', async (t) => {
  const adhoc = (params: Params) => parseListQuery(params).adhoc;
  t.same(adhoc({ field: 'email', op: 'contains', value: 'acme' }), { field: 'email', op: 'contains', value: 'acme' });
  t.same(
    adhoc({ field: 'username', op: 'starts', value: ' ann ' }),
    { field: 'username', op: 'starts', value: 'ann' },
    'value trimmed',
  );
  t.same(adhoc({ field: 'territory', op: 'eq', value: 'North' }), { field: 'territory', op: 'eq', value: 'North' });
  t.same(adhoc({ field: 'licence', op: 'eq', value: 'full' }), { field: 'licence', op: 'eq', value: 'full' });
  t.equal(adhoc({ field: 'password', op: 'eq', value: 'x' }), undefined, 'unknown field');
  t.equal(adhoc({ field: 'passwordHash', op: 'eq', value: 'x' }), undefined, 'a column that is not a list field');
  t.equal(adhoc({ op: 'eq', value: 'x' }), undefined, 'no field');
  t.equal(adhoc({ field: 'email', value: 'x' }), undefined, 'no operator');
  t.equal(adhoc({ field: 'email', op: 'like', value: 'x' }), undefined, 'unknown operator');
  t.equal(adhoc({ field: 'email', op: 'before', value: '2025-01-01' }), undefined, 'a date operator on a text field');
  t.equal(adhoc({ field: 'lastSignin', op: 'contains', value: '2025' }), undefined, 'a text operator on a date field');
  t.equal(adhoc({ field: 'licence', op: 'contains', value: 'ful' }), undefined, 'a choice field only takes equals');
  t.equal(adhoc({ field: 'email', op: 'contains', value: '' }), undefined, 'empty value');
  t.equal(adhoc({ field: 'email', op: 'contains', value: '   ' }), undefined, 'blank value');
  t.equal(adhoc({ field: 'email', op: 'contains' }), undefined, 'missing value');

  t.same(adhoc({ field: 'lastSignin', op: 'before', value: '2025-01-31' }), {
    field: 'lastSignin',
    op: 'before',
    value: '2025-01-31',
  });
  t.same(adhoc({ field: 'created', op: 'after', value: '2024-12-01T10:00:00Z' }), {
    field: 'created',
    op: 'after',
    value: '2024-12-01T10:00:00Z',
  });
  for (const value of ['yesterday', 'soon', '2025-13-45', '31/01/2025x']) {
    t.equal(adhoc({ field: 'lastSignin', op: 'before', value }), undefined, `unparseable date ${value}`);
    t.equal(adhoc({ field: 'lastSignin', op: 'after', value }), undefined, `unparseable date ${value}`);
  }
  t.same(
    adhoc({ field: 'notes', op: 'empty' }),
    { field: 'notes', op: 'empty', value: '' },
    '"is empty" needs no value',
  );
  t.same(
    adhoc({ field: 'notes', op: 'empty', value: 'ignored' }),
    { field: 'notes', op: 'empty', value: '' },
    'and drops one given',
  );
  t.same(adhoc({ field: 'lastSignin', op: 'empty' }), { field: 'lastSignin', op: 'empty', value: '' });
  t.equal(
    adhoc({ field: 'notes', op: 'contains', value: 'x'.repeat(300) })?.value.length,
    200,
    'value capped at 200 characters',
  );

  const query = parseListQuery({ field: 'notes', op: 'empty' });
  t.equal(isFiltered(query), true);
  t.equal(listUrl(query), '/users?field=notes&op=empty', 'no value parameter for "is empty"');
});

t.test('the search box: trimmed, capped at 200 characters', async (t) => {
  t.equal(parseListQuery({ q: '  ann  ' }).q, 'ann');
  t.equal(parseListQuery({ q: '   ' }).q, '');
  t.equal(isFiltered(parseListQuery({ q: '   ' })), false);
  t.equal(parseListQuery({ q: 'x'.repeat(300) }).q, 'x'.repeat(200));
  t.equal(parseListQuery({ q: 'a b' }).q, 'a b');
  t.equal(listUrl(parseListQuery({ q: 'Åsa & co' })), '/users?q=%C3%85sa+%26+co');
});

t.test('parse(listQueryParams(query)) gives the query back', async (t) => {
  const queries: Params[] = [
    {},
    { q: 'ann* supervisor:"Maria Garcia"' },
    {
      group: '1',
      territory: '2',
      company: '3',
      type: '4',
      role: '5',
      supervisor: '6',
      status: 'inactive',
      licence: 'viewer',
    },
    { field: 'notes', op: 'empty' },
    { field: 'email', op: 'contains', value: "' OR 1=1 --" },
    { field: 'lastSignin', op: 'after', value: '2025-01-01' },
    { sort: '-territory', size: '250', page: '7', before: encodeCursor({ direction: 'before', key: ['north', 12] }) },
    {
      sort: 'firstName',
      size: '25',
      page: '2',
      after: encodeCursor({ direction: 'after', key: ['Ann', 'Anderson', 3] }),
    },
    { page: 'last', size: '100', sort: '-lastSignin' },
    { q: '%_"\\;DROP TABLE users', status: 'active' },
  ];
  for (const params of queries) {
    const query = parseListQuery(params);
    t.same(parseUrl(`/users?${listQueryParams(query)}`), query, JSON.stringify(params));
  }
  const query = parseListQuery({ q: 'ann', status: 'active' });
  t.same(
    parseUrl(listUrl(query, { sort: 'email', descending: true })),
    { ...query, sort: 'email', descending: true },
    'a change is applied',
  );
  t.same(query, parseListQuery({ q: 'ann', status: 'active' }), 'and the original is left alone');
});

t.test('normalize folds case and diacritics, and collapses separators', async (t) => {
  t.equal(normalize('Åsa Öström'), 'asa ostrom');
  t.equal(normalize('ÉLODIE Müller-Lüdenscheidt'), 'elodie muller-ludenscheidt');
  t.equal(normalize('  Ann \t|  Bob\n'), 'ann bob', 'whitespace and the document separator become one space');
  t.equal(normalize('ＡＢＣ'), 'abc', 'full-width letters are folded too');
  t.equal(normalize(''), '');
});

t.test('searchDocument joins normalised values, leaving empty ones out', async (t) => {
  t.equal(searchDocument(['Ann', '', null, undefined, 'Åsa Öström', ' ']), '|ann|asa ostrom|');
  t.equal(searchDocument(['a|b']), '|a b|', 'a separator inside a value cannot fake a value boundary');
});

/** Whether a GLOB pattern matches a document, asked of SQLite itself. */
const sqlite = new Database(':memory:');
t.teardown(() => sqlite.close());
const globs = (doc: string, pattern: string) =>
  sqlite.prepare('select ? glob ? as m').get(doc, pattern) as { m: number };
const matches = (values: string[], term: string) => globs(searchDocument(values), termPattern(term)).m === 1;

t.test('search terms: substrings, and wildcards anchored to whole values', async (t) => {
  t.equal(termPattern('ann'), '*ann*');
  t.equal(termPattern('ann*'), '*|ann*');
  t.equal(termPattern('*son'), '*son|*');
  t.equal(termPattern('a*n'), '*|a*n|*');
  t.equal(termPattern('ann%'), termPattern('ann*'), '% is the same wildcard as *');
  t.equal(termPattern('%son'), termPattern('*son'));
  t.equal(termPattern('*ann*'), '*ann*', 'wildcards on both ends: anywhere');

  t.ok(matches(['joanna'], 'ann'), 'a plain term matches anywhere');
  t.ok(matches(['Ann', 'Anderson'], 'ann*'));
  t.ok(matches(['annika@example.com'], 'ann*'));
  t.notOk(matches(['joanna', 'hanson'], 'ann*'), 'ann* is not "contains ann"');
  t.ok(matches(['joanna', 'hanson'], '*son'));
  t.notOk(matches(['sonja', 'sonny'], '*son'), '*son is not "starts with son"');
  t.notOk(matches(['anderson.a@example.com'], '*son'), 'a value that merely contains "son" does not end with it');
  t.ok(matches(['anderson'], 'a*n'));
  t.notOk(matches(['anders'], 'a*n'));
  t.notOk(matches(['nadia'], 'a*n'));
  t.ok(matches(['Ann'], 'ANN%'), 'case is ignored with wildcards too');
});

t.test('GLOB metacharacters typed in a term are literal', async (t) => {
  t.ok(matches(['a[b]c'], 'a[b'));
  t.notOk(matches(['ab'], '[ab]'), '[ab] is not a character class');
  t.ok(matches(['x [ab] y'], '[ab]'));
  t.ok(matches(['what?'], 't?'));
  t.notOk(matches(['tx'], 't?'), '? is not "any one character"');
  t.ok(matches(['a]b'], 'a]b'));
  t.notOk(matches(['anything'], '[!x]'));
  t.ok(matches(['50%'], '50'));
  t.ok(matches(['a_b'], 'a_b'));
  t.notOk(matches(['axb'], 'a_b'), '_ is not a wildcard');
  t.ok(matches(['back\\slash'], 'k\\s'));
});

t.test('search ignores case and diacritics', async (t) => {
  t.ok(matches(['Åsa', 'Öström'], 'asa'));
  t.ok(matches(['Åsa', 'Öström'], 'ÅSA'));
  t.ok(matches(['asa'], 'Åsa'), 'accents typed in the box are folded too');
  t.ok(matches(['Åsa Öström'], 'Öström'));
  t.equal(termPattern('Åsa'), '*asa*');
});

t.test('longestLiteral: the longest run between wildcards', async (t) => {
  t.equal(longestLiteral('ab'), 2);
  t.equal(longestLiteral('ann*'), 3);
  t.equal(longestLiteral('a*bcd%ef'), 3);
  t.equal(longestLiteral('Åsa'), 3);
  t.equal(longestLiteral('*'), 0);
});

t.test('parseSearch splits terms and picks out supervisor:NAME', async (t) => {
  t.same(parseSearch(''), { patterns: [], supervisors: [] });
  t.same(parseSearch('ann  bob'), { patterns: ['*ann*', '*bob*'], supervisors: [] });
  t.same(parseSearch('supervisor:Garcia'), { patterns: [], supervisors: ['Garcia'] });
  t.same(parseSearch('supervisor:"Maria Garcia"'), { patterns: [], supervisors: ['Maria Garcia'] });
  t.same(
    parseSearch('Supervisor:"Maria Garcia" ann*'),
    { patterns: ['*|ann*'], supervisors: ['Maria Garcia'] },
    'the prefix ignores case',
  );
  t.same(parseSearch('"Key holder"'), { patterns: ['*key holder*'], supervisors: [] }, 'quotes keep words together');
  t.same(parseSearch('* % ** %%'), { patterns: [], supervisors: [] }, 'terms made only of wildcards are dropped');
  t.same(parseSearch('supervisor:""'), { patterns: [], supervisors: [] }, 'an empty supervisor name is dropped');
  t.same(parseSearch('Åsa'), { patterns: ['*asa*'], supervisors: [] });
  t.same(
    parseSearch("' OR 1=1 --"),
    { patterns: ["*'*", '*or*', '*1=1*', '*--*'], supervisors: [] },
    'SQL is just words',
  );
});
