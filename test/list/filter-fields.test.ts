import t from 'tap';
import { sql } from 'drizzle-orm';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { decode, sorted, usernamesIn } from '../helpers/list-page.js';
import { FILTER_FIELDS, QUICK_FILTERS } from '../../src/list/filter-fields.js';
import { saveTimeZone } from '../../src/preferences/time-zone.js';

/**
 * The one table of filterable fields: every type filters with its own operators, reads in
 * words on its chip, refuses a value it cannot take, and the filter bar offers exactly the
 * table's fields. Dates are the administrator's days.
 */

async function directory(t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const db = app.db;
  // Ann signed in at 03:00 UTC on 10 March 2025: still the evening of the 9th in New York.
  addUser(db, {
    username: 'ann',
    email: 'ann@example.com',
    lastSigninAt: new Date('2025-03-10T03:00:00Z'),
    twoStepEnabled: true,
    licenceType: 'full',
    groups: ['Sales'],
    userType: 'Employee',
  });
  addUser(db, {
    username: 'bea',
    email: 'bea@corp.test',
    lastSigninAt: new Date('2025-03-10T12:00:00Z'),
    failedSigninCount: 3,
    blocked: true,
    licenceType: 'viewer',
    notes: 'Temporary',
  });
  addUser(db, { username: 'cy', email: '', failedSigninCount: 5, status: 'inactive', licenceType: 'none' });
  const browser = new Client(app);
  await browser.signIn();
  return { app, db, admin, browser };
}

type Context = Awaited<ReturnType<typeof directory>>;

async function page(ctx: Context, query: string): Promise<string> {
  const res = await ctx.browser.get(`/users?${query}`);
  if (res.statusCode !== 200) throw new Error(`GET /users?${query}: ${res.statusCode}`);
  return res.body;
}

const shown = async (ctx: Context, query: string) => sorted(usernamesIn(await page(ctx, query)));

const chipsIn = (html: string) =>
  [...html.matchAll(/<li class="chip"><span>([^<]*)<\/span>/g)].map((m) => decode(m[1]!));

t.test('each type filters with its own operators', async (t) => {
  const ctx = await directory(t);
  const cases: [string, string[]][] = [
    // Text: equals, contains, starts with, is empty.
    ['field=email&op=eq&value=ANN%40example.com', ['ann']],
    ['field=email&op=contains&value=corp', ['bea']],
    ['field=email&op=starts&value=ann', ['ann']],
    ['field=email&op=empty', ['cy']],
    // Dates (in UTC until the administrator has a zone): before, on, after, is empty.
    ['field=lastSignin&op=on&value=2025-03-10', ['ann', 'bea']],
    ['field=lastSignin&op=before&value=2025-03-10', []],
    ['field=lastSignin&op=before&value=2025-03-11', ['ann', 'bea']],
    ['field=lastSignin&op=after&value=2025-03-10', ['admin']],
    ['field=lastSignin&op=after&value=2025-03-09', ['admin', 'ann', 'bea']],
    ['field=lastSignin&op=empty', ['cy']],
    // Numbers: =, <, >, ≤, ≥.
    ['field=failedSignins&op=eq&value=3', ['bea']],
    ['field=failedSignins&op=lt&value=3', ['admin', 'ann']],
    ['field=failedSignins&op=gt&value=3', ['cy']],
    ['field=failedSignins&op=le&value=3', ['admin', 'ann', 'bea']],
    ['field=failedSignins&op=ge&value=3', ['bea', 'cy']],
    // Yes or no: is, is not.
    ['field=blocked&op=eq&value=yes', ['bea']],
    ['field=blocked&op=not&value=yes', ['admin', 'ann', 'cy']],
    ['field=blocked&op=eq&value=no', ['admin', 'ann', 'cy']],
    ['field=twoStep&op=eq&value=yes', ['ann']],
    // Choices: is, is not; by the stored code or the words the form shows.
    ['field=status&op=eq&value=inactive', ['cy']],
    ['field=status&op=not&value=Inactive', ['admin', 'ann', 'bea']],
    ['field=licence&op=eq&value=viewer', ['bea']],
  ];
  for (const [query, expected] of cases) t.same(await shown(ctx, query), expected, query);
});

t.test('the chips say each filter in words', async (t) => {
  const ctx = await directory(t);
  const cases: [string, string][] = [
    ['field=email&op=contains&value=corp', 'Email contains “corp”'],
    ['field=email&op=starts&value=ann', 'Email starts with “ann”'],
    ['field=notes&op=empty', 'Notes is empty'],
    ['field=lastSignin&op=on&value=2025-03-10', 'Last sign-in on 10 Mar 2025'],
    ['field=created&op=before&value=2026-01-31', 'Created before 31 Jan 2026'],
    ['field=failedSignins&op=ge&value=3', 'Failed sign-ins ≥ 3'],
    ['field=failedSignins&op=lt&value=3', 'Failed sign-ins < 3'],
    ['field=blocked&op=eq&value=yes', 'Blocked: yes'],
    ['field=blocked&op=not&value=yes', 'Blocked: no'],
    ['field=status&op=not&value=inactive', 'Status is not Inactive'],
    ['field=licence&op=eq&value=full', 'Licence is Full'],
    ['status=active', 'Status: Active'],
    ['licence=viewer', 'Licence: Viewer'],
  ];
  for (const [query, words] of cases) t.same(chipsIn(await page(ctx, query)), [words], query);

  const sales = ctx.db.get<{ id: number }>(sql`select id from groups where name = 'Sales'`)!.id;
  const employee = ctx.db.get<{ id: number }>(sql`select id from user_types where name = 'Employee'`)!.id;
  t.same(
    chipsIn(await page(ctx, `q=ann&group=${sales}&type=${employee}&field=twoStep&op=eq&value=yes`)),
    ['Search: ann', 'Group: Sales', 'User type: Employee', 'Two-step: yes'],
    'several at once, in the order of the table',
  );
});

t.test('a date filter means the administrator’s own day', async (t) => {
  const ctx = await directory(t);
  saveTimeZone(ctx.db, ctx.admin.id, 'America/New_York');
  t.same(await shown(ctx, 'field=lastSignin&op=on&value=2025-03-09'), ['ann'], 'Ann’s evening of the 9th');
  t.same(await shown(ctx, 'field=lastSignin&op=on&value=2025-03-10'), ['bea']);
  t.same(await shown(ctx, 'field=lastSignin&op=before&value=2025-03-10'), ['ann']);

  const html = await page(ctx, 'field=lastSignin&op=on&value=2025-03-09');
  t.match(html, /<td class="col-lastSignin"[^>]*>2025-03-09<\/td>/, 'the column shows the same day');
  t.match(html, /Dates are days in your time zone \(America\/New York\)/, 'the filter says which zone');

  // A bulk action on "all matching" covers the same day as the page.
  const confirm = await ctx.browser.post('/users/bulk', [
    ['action', 'deactivate'],
    ['all', '1'],
    ['query', 'field=lastSignin&op=on&value=2025-03-09'],
  ]);
  t.equal(confirm.statusCode, 200);
  t.match(decode(confirm.body), /1 user\s+will change/, 'one user, Ann, as the list showed');

  saveTimeZone(ctx.db, ctx.admin.id, 'UTC');
  t.same(await shown(ctx, 'field=lastSignin&op=on&value=2025-03-09'), [], 'in UTC that day had no sign-ins');
  t.match(
    await page(ctx, 'field=lastSignin&op=on&value=2025-03-09'),
    /<td class="col-lastSignin"[^>]*>2025-03-10<\/td>|No users match/,
  );
});

t.test('a value a type cannot take is refused with its reason, and bulk actions are off', async (t) => {
  const ctx = await directory(t);
  const cases: [string, string][] = [
    ['field=email&op=contains&value=', 'Enter a value for Email.'],
    ['field=lastSignin&op=on&value=yesterday', 'Enter a date for Last sign-in, such as 2026-01-31.'],
    ['field=created&op=before&value=2026-02-31', 'Enter a date for Created, such as 2026-01-31.'],
    ['field=created&op=on&value=2026-01-31T10%3A00%3A00Z', 'Enter a day for Created, such as 2026-01-31.'],
    ['field=failedSignins&op=ge&value=many', 'Enter a whole number for Failed sign-ins, such as 3.'],
    ['field=failedSignins&op=ge&value=-1', 'Enter a whole number for Failed sign-ins, such as 3.'],
    ['field=blocked&op=eq&value=maybe', 'Choose yes or no for Blocked.'],
    ['field=licence&op=eq&value=gold', 'Choose Full, Viewer or None for Licence.'],
    [
      'field=failedSignins&op=contains&value=3',
      'Failed sign-ins cannot be filtered with “contains”: choose “=”, “<”, “>”, “≤”, “≥”.',
    ],
    [
      'field=lastSignin&op=eq&value=2025-03-10',
      'Last sign-in cannot be filtered with “equals”: choose “before”, “on”, “after”, “is empty”.',
    ],
    ['field=blocked&op=before&value=yes', 'Blocked cannot be filtered with “before”: choose “is”, “is not”.'],
  ];
  for (const [query, problem] of cases) {
    const html = await page(ctx, query);
    const text = decode(html);
    t.ok(text.includes(problem), `${query}: ${problem}`);
    t.match(text, /No filter is applied\. The list shows every user you may see/, `${query}: no filter applied`);
    t.notMatch(html, /id="bulk-form"/, `${query}: no bulk bar`);
    t.notMatch(html, />Export CSV</, `${query}: no export`);
    t.same(chipsIn(html), [], `${query}: no chip`);
    const refused = await ctx.browser.post('/users/bulk', [
      ['action', 'deactivate'],
      ['all', '1'],
      ['query', query],
    ]);
    t.equal(refused.statusCode, 422, `${query}: "all matching" refused`);
  }
});

t.test('the filter bar offers exactly the table’s fields, with what fits the one chosen', async (t) => {
  const ctx = await directory(t);
  const html = await page(ctx, '');
  const fieldSelect = /<select name="field"[^>]*>([\s\S]*?)<\/select>/.exec(html)![1]!;
  const offered = [...fieldSelect.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)]
    .map((m) => [m[1]!, decode(m[2]!)])
    .filter(([value]) => value !== '');
  t.same(
    offered,
    FILTER_FIELDS.map((f) => [f.key, f.label]),
    'every field of the table, by its label, and no other',
  );
  const quickSelects = [
    ...html.matchAll(
      /<label class="quick-filter[^"]*">\s*<span>([^<]*)<\/span>\s*<select class="quick-select" name="([^"]*)"/g,
    ),
  ];
  t.same(
    sorted(quickSelects.map((m) => `${m[2]}:${decode(m[1]!)}`)),
    sorted(QUICK_FILTERS.filter((q) => q.from !== 'picked').map((q) => `${q.param}:${q.field.label}`)),
    'a drop-down for every quick filter of the table',
  );

  const conditions = (body: string) => {
    const select = /<select name="op"[^>]*>([\s\S]*?)<\/select>/.exec(body)![1]!;
    return [...select.matchAll(/<option value="[^"]*"[^>]*>([^<]*)<\/option>/g)].map((m) => decode(m[1]!));
  };
  const numbers = await page(ctx, 'field=failedSignins&op=ge&value=3');
  t.same(conditions(numbers), ['=', '<', '>', '≤', '≥'], 'a number field offers comparisons');
  t.match(numbers, /<input name="value" value="3"\s+type="number"/, 'and a number input');
  const dates = await page(ctx, 'field=created&op=on&value=2026-01-31');
  t.same(conditions(dates), ['before', 'on', 'after', 'is empty'], 'a date field offers before, on, after');
  t.match(dates, /<input name="value" value="2026-01-31"\s+type="date"/, 'and a date input');
  const flags = await page(ctx, 'field=blocked&op=not&value=yes');
  t.same(conditions(flags), ['is', 'is not'], 'a yes-or-no field offers is and is not');
  t.match(
    flags,
    /<select name="value">\s*<option value="yes" selected>Yes<\/option>\s*<option value="no">No<\/option>/,
  );
  const text = await page(ctx, 'field=email&op=contains&value=corp');
  t.same(conditions(text), ['equals', 'contains', 'starts with', 'is empty'], 'a text field offers text conditions');
});
