import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { recordAudit } from '../../src/audit/record.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { decode } from '../helpers/list-page.js';

/** The page as a person reads it: no markup, entities decoded, spaces collapsed. */
const words = (html: string) =>
  decode(html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

/** What the tables and the history must never show: keys, stored codes and machine timestamps. */
const INTERNAL = [
  'passwordState',
  'fromAddress',
  'externalUrl',
  'licenceType',
  'twoStepEnabled',
  'lockedUntil',
  '2026-11-27T05:50',
  'starttls',
  ': full',
  ': viewer',
  ': inactive',
  ': true',
  '(1007)',
];

async function setUp(t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann', firstName: 'Ann', lastName: 'Anderson' });
  const browser = new Client(app);
  await browser.signIn();
  const actor = { id: admin.id, name: 'Ada Admin' };
  const target = { id: ann.id, name: 'Ann Anderson' };
  // 05:50 UTC on 27 November is 06:50 in Oslo; 23:30 UTC on the 26th is already the 27th there.
  const at = new Date('2026-11-27T05:50:12.716Z');
  app.db.transaction((tx) => {
    recordAudit(
      tx,
      {
        action: 'user.update',
        actor,
        target,
        changes: {
          licenceType: ['viewer', 'full'],
          status: ['active', 'inactive'],
          twoStepEnabled: [false, true],
          supervisor: ['Aisha Johnson (1007)', null],
        },
        requestId: 'r-update',
      },
      at,
    );
    recordAudit(
      tx,
      {
        action: 'user.unlock',
        actor,
        target,
        changes: { lockedUntil: ['2026-11-27T05:50:12.716Z', null], failedSigninCount: [5, 0] },
        requestId: 'r-unlock',
      },
      new Date('2026-11-26T23:30:00Z'),
    );
    recordAudit(tx, { action: 'user.password', actor, target, changes: { passwordState: ['set', 'expired'] } }, at);
    recordAudit(
      tx,
      {
        action: 'settings.mail',
        actor,
        changes: {
          fromAddress: [null, 'roster@example.com'],
          externalUrl: [null, 'https://roster.example.com'],
          security: [null, 'starttls'],
          username: [null, 'mailer'],
        },
      },
      at,
    );
  });
  return { app, browser, ann };
}

async function chooseZone(browser: Client, zone: string) {
  await browser.get('/preferences');
  return browser.post('/preferences', { timeZone: zone });
}

function storedZone(app: FastifyInstance, adminId = 1): unknown {
  return (
    app.db.$client.prepare('select time_zone as zone from admin_preferences where user_id = ?').get(adminId) as
      { zone: string | null } | undefined
  )?.zone;
}

t.test('the audit log shows labels, values as the forms show them, and dates in the chosen zone', async (t) => {
  const { browser } = await setUp(t);
  const saved = await chooseZone(browser, 'Europe/Oslo');
  t.equal(saved.statusCode, 303, 'the choice is saved');
  const page = words((await browser.get('/audit')).body);
  t.match(page, 'Licence type: Viewer → Full');
  t.match(page, 'Status: Active → Inactive');
  t.match(page, 'Two-step verification required: No → Yes');
  t.match(page, 'Supervisor: Aisha Johnson → —', 'a supervisor by name, without an id');
  t.match(page, 'Password: Set → Expired');
  t.match(page, 'Locked until: 27 Nov 2026, 06:50 → —');
  t.match(page, 'Failed sign-ins: 5 → 0');
  t.match(page, 'Sender address (From): — → roster@example.com');
  t.match(page, 'Public address of Roster: — → https://roster.example.com');
  t.match(page, 'Connection security: — → STARTTLS');
  t.match(page, 'User name: — → mailer', "the mail server's user name, not a user's username");
  t.match(page, '27 Nov 2026, 06:50:12', 'when, in Oslo time');
  t.notMatch(page, ' UTC', 'the chosen zone needs no naming');
  for (const raw of INTERNAL) t.notOk(page.includes(raw), `the page does not show "${raw}"`);
});

t.test("a user's change history reads the same way", async (t) => {
  const { browser, ann } = await setUp(t);
  await chooseZone(browser, 'America/New_York');
  const page = words((await browser.get(`/users/${ann.id}/advanced`)).body);
  t.match(page, 'Licence type: Viewer → Full');
  t.match(page, 'Status: Active → Inactive');
  t.match(page, 'Password: Set → Expired');
  t.match(page, 'Locked until: 27 Nov 2026, 00:50 → —', 'in New York time');
  t.match(page, '27 Nov 2026, 00:50', "the entry's date in New York time");
  for (const raw of INTERNAL) t.notOk(page.includes(raw), `the history does not show "${raw}"`);
});

t.test('until a zone is known, dates are in UTC and say so, and the browser is asked once', async (t) => {
  const { app, browser, ann } = await setUp(t);
  const before = await browser.get(`/users/${ann.id}/advanced`);
  t.match(words(before.body), '27 Nov 2026, 05:50 UTC');
  t.match(before.body, 'data-browser-time-zone="/preferences/browser-time-zone"', 'the page asks for the zone');
  t.match(before.body, '/public/js/time-zone.js');

  const reported = await browser.post('/preferences/browser-time-zone', { timeZone: 'Asia/Tokyo' });
  t.equal(reported.statusCode, 204);
  t.equal(storedZone(app), 'Asia/Tokyo', "the browser's zone is taken");
  const after = await browser.get(`/users/${ann.id}/advanced`);
  t.match(words(after.body), '27 Nov 2026, 14:50', 'now in Tokyo time');
  t.notMatch(after.body, 'data-browser-time-zone', 'and the browser is not asked again');

  await chooseZone(browser, 'Europe/Oslo');
  await browser.post('/preferences/browser-time-zone', { timeZone: 'Asia/Tokyo' });
  t.equal(storedZone(app), 'Europe/Oslo', "a chosen zone is not replaced by a browser's");
});

t.test('audit days are the administrator’s days', async (t) => {
  const { browser } = await setUp(t);
  await chooseZone(browser, 'Europe/Oslo');
  const page = (await browser.get('/audit?from=2026-11-27&to=2026-11-27')).body;
  t.match(page, 'r-unlock', '23:30 UTC on the 26th is the 27th in Oslo');
  const dayBefore = (await browser.get('/audit?from=2026-11-26&to=2026-11-26')).body;
  t.notMatch(dayBefore, 'r-unlock');
});

t.test('a time zone not in the list is refused with a clear message, and nothing is saved', async (t) => {
  const { app, browser } = await setUp(t);
  const form = await browser.get('/preferences');
  t.match(words(form.body), 'Time zone', 'the field has a visible label');
  for (const hostile of ['<script>alert(1)</script>', 'Europe/Nowhere', "UTC'; drop table users; --", '']) {
    const refused = await browser.post('/preferences', { timeZone: hostile });
    t.equal(refused.statusCode, 422, `"${hostile}" is refused`);
    t.match(words(refused.body), 'Choose a time zone from the list, such as Europe/Oslo or UTC.');
    if (hostile) t.notOk(refused.body.includes(hostile), 'and not echoed back');
  }
  const report = await browser.post('/preferences/browser-time-zone', { timeZone: '<script>' });
  t.equal(report.statusCode, 422);
  t.match(report.body, 'Choose a time zone from the list');
  t.equal(storedZone(app), undefined, 'nothing was saved');

  const chosen = await chooseZone(browser, 'UTC');
  t.equal(chosen.statusCode, 303, 'UTC itself may be chosen');
  t.match(words((await browser.get('/preferences')).body), 'shown in UTC time');
});

t.test('the preferences page is reached from the name in the top bar', async (t) => {
  const { browser } = await setUp(t);
  const home = await browser.get('/');
  t.match(home.body, /<a class="account-name" href="\/preferences"/);
});
