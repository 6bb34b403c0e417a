import t from 'tap';
import { decode } from '../helpers/list-page.js';
import { referenceId, signedInHelper } from '../helpers/directory.js';
import { addUser } from '../helpers/directory.js';
import {
  auditDetails,
  broadcastFields,
  broadcastRow,
  broadcastTeam,
  lastBroadcastId,
  recipientsOf,
  tomorrowAtNine,
} from './fixture.js';

t.test('a scheduled broadcast goes at its time, to whoever matches then, one mail per user', async (t) => {
  const { app, client, smtp } = await broadcastTeam(t);
  const when = tomorrowAtNine();
  await client.get('/broadcasts/new');
  const sales = referenceId(app.db, 'groups', 'Sales');
  const created = await client.post(
    '/broadcasts',
    broadcastFields({
      audience: 'groups',
      groups: String(sales),
      when: 'later',
      sendDate: when.sendDate,
      sendTime: when.sendTime,
    }),
  );
  t.equal(created.statusCode, 303);
  const id = lastBroadcastId(app);
  t.equal(broadcastRow(app, id).status, 'scheduled');
  const list = decode((await client.get('/broadcasts')).body);
  t.match(list, 'Planned maintenance');
  t.match(list, 'Groups: Sales');
  t.match(list, 'Scheduled');

  // Resolved when it is sent: someone who joins Sales meanwhile receives it.
  addUser(app.db, { username: 'dee', firstName: 'Dee', lastName: 'Late', email: 'dee@example.com', groups: ['Sales'] });
  t.same(await app.broadcasts.sender.sendDue(new Date(when.at.getTime() - 60_000)), [], 'not before its time');
  t.same(await app.broadcasts.sender.sendDue(when.at), [id], 'sent at its time');
  t.same(await app.broadcasts.sender.sendDue(new Date(when.at.getTime() + 3_600_000)), [], 'and only once');
  t.same(recipientsOf(app, id), ['ann', 'bo', 'dee'], 'active members of Sales; not the inactive Eve, not Sid');
  t.equal(broadcastRow(app, id).status, 'sent');

  await app.mail.sender.deliverDue(when.at);
  const mails = smtp.received.map((m) => ({
    to: m.to && 'text' in m.to ? m.to.text : '',
    subject: m.subject,
    text: m.text,
  }));
  t.same(mails.map((m) => m.to).sort(), ['ann@example.com', 'dee@example.com'], 'one mail each, Bo has no address');
  for (const m of mails) {
    t.equal(m.subject, 'Planned maintenance');
    t.match(m.text, 'Maintenance: Planned maintenance');
    t.match(m.text, 'Roster is down for an hour.');
    t.match(m.text, 'https://roster.example.com/account');
  }
  t.match(mails.find((m) => m.to === 'ann@example.com')?.text, 'Hello Ann Öberg,');
  t.match(mails.find((m) => m.to === 'dee@example.com')?.text, 'Hello Dee Late,');
  t.match(smtp.received[0]?.html, /Planned maintenance/);

  const sent = decode((await client.get('/broadcasts')).body);
  t.match(sent, '3 reached');
  t.match(sent, /0 queued ·\s+2 sent ·\s+0 failed/);
  t.match(sent, '1 without an email address (portal only)');
  t.same(auditDetails(app, 'broadcast.create'), ['“Planned maintenance”']);
  const audit = decode((await client.get('/audit')).body);
  t.match(audit, 'Broadcast created');
  t.match(audit, 'Recipients: — → Groups: Sales');
  t.match(audit, /Send at: — → \d+ \w+ \d{4}, 09:00 UTC/, 'the send time, in the reader’s zone');
  t.match(audit, 'Broadcast sent');
  t.same(auditDetails(app, 'broadcast.send'), [
    '“Planned maintenance” sent to 3 users: 2 emails queued, 1 shown in the portal only',
  ]);
});

t.test('a scoped administrator’s “everyone” is everyone in their scope, worked out at send time', async (t) => {
  const { app, sid } = await broadcastTeam(t);
  const sales = referenceId(app.db, 'groups', 'Sales');
  const { client, user } = await signedInHelper(app, 'admin', { scope: { groups: [sales] } });
  const form = decode((await client.get('/broadcasts/new')).body);
  t.match(form, 'Everyone you administer');
  t.equal((await client.post('/broadcasts', broadcastFields({ audience: 'everyone' }))).statusCode, 303);
  const id = lastBroadcastId(app);
  await app.broadcasts.sender.sendDue();
  t.same(recipientsOf(app, id), ['ann', 'bo'], 'Sid in Support is out of scope');

  // A ticked selection with someone out of scope is refused whole, as bulk actions are.
  const refused = await client.post('/broadcasts/new', [
    ['id', String(sid.id)],
    ['query', ''],
  ]);
  t.equal(refused.statusCode, 403);
  t.match(decode(refused.body), 'not yours to change');

  // Scope narrowed before a scheduled send: the send follows the scope as it is then.
  const when = tomorrowAtNine();
  await client.get('/broadcasts/new');
  await client.post(
    '/broadcasts',
    broadcastFields({ when: 'later', sendDate: when.sendDate, sendTime: when.sendTime }),
  );
  const later = lastBroadcastId(app);
  app.db.$client.prepare(`update users set admin_permissions = '["view"]' where id = ?`).run(user.id);
  await app.broadcasts.sender.sendDue(when.at);
  t.equal(broadcastRow(app, later).status, 'cancelled', 'without the email permission any more, it is not sent');
  t.same(recipientsOf(app, later), []);
  t.match(auditDetails(app, 'broadcast.cancel').at(-1), 'may no longer email users');
});

t.test('the users list’s selection starts a broadcast to the ticked users', async (t) => {
  const { app, client, ann, bo } = await broadcastTeam(t);
  const list = decode((await client.get('/users')).body);
  t.match(list, 'Broadcast a message…');
  const ticked: [string, string][] = [
    ['action', 'broadcast'],
    ['id', String(ann.id)],
    ['id', String(bo.id)],
    ['query', ''],
  ];
  const bar = await client.post('/users/bulk', ticked);
  t.equal(bar.statusCode, 307, 'the browser posts the selection on to the broadcast form');
  t.equal(bar.headers.location, '/broadcasts/new');
  const form = await client.post('/broadcasts/new', ticked);
  t.equal(form.statusCode, 200);
  t.match(decode(form.body), '2 users chosen on the users list');
  const created = await client.post('/broadcasts', [
    ...broadcastFields({ audience: 'selection', subject: 'Hello you two' }),
    ['id', String(ann.id)],
    ['id', String(bo.id)],
    ['query', ''],
  ]);
  t.equal(created.statusCode, 303);
  const id = lastBroadcastId(app);
  await app.broadcasts.sender.sendDue();
  t.same(recipientsOf(app, id), ['ann', 'bo']);
});

t.test('the form says what is wrong and keeps what was typed', async (t) => {
  const { client } = await broadcastTeam(t);
  await client.get('/broadcasts/new');
  const res = await client.post(
    '/broadcasts',
    broadcastFields({
      subject: '',
      body: 'Kept <b>text</b>',
      audience: 'groups',
      when: 'later',
      sendDate: '2020-01-01',
      sendTime: '09:00',
    }),
  );
  t.equal(res.statusCode, 422);
  const page = decode(res.body);
  t.match(page, 'Enter a subject.');
  t.match(page, 'Tick at least one of the groups.');
  t.match(page, 'That time has passed');
  t.match(res.body, 'Kept &lt;b&gt;text&lt;/b&gt;', 'the message is kept, escaped');
});

t.test('a scheduled broadcast can be changed or cancelled until it goes, not after', async (t) => {
  const { app, client } = await broadcastTeam(t);
  const when = tomorrowAtNine();
  await client.get('/broadcasts/new');
  await client.post(
    '/broadcasts',
    broadcastFields({ when: 'later', sendDate: when.sendDate, sendTime: when.sendTime }),
  );
  const id = lastBroadcastId(app);

  const edit = (await client.get(`/broadcasts/${id}/edit`)).body;
  t.match(edit, 'value="Planned maintenance"');
  t.match(edit, `value="${when.sendDate}"`);
  const changed = await client.post(`/broadcasts/${id}`, [
    ...broadcastFields({ subject: 'Maintenance moved', when: 'later', sendDate: when.sendDate, sendTime: '10:30' }),
    ['version', '1'],
  ]);
  t.equal(changed.statusCode, 303);
  t.equal(broadcastRow(app, id).subject, 'Maintenance moved');
  t.same(auditDetails(app, 'broadcast.update'), ['“Maintenance moved”']);

  // A form shown before that change no longer applies.
  const stale = await client.post(`/broadcasts/${id}`, [
    ...broadcastFields({ subject: 'Stale', when: 'later', sendDate: when.sendDate, sendTime: '11:00' }),
    ['version', '1'],
  ]);
  t.equal(stale.statusCode, 409);
  t.match(decode(stale.body), 'Someone else changed this broadcast');
  t.equal(broadcastRow(app, id).subject, 'Maintenance moved');

  // Not at 09:00 any more, but at 10:30.
  t.same(await app.broadcasts.sender.sendDue(when.at), []);

  const confirm = decode((await client.get(`/broadcasts/${id}/cancel`)).body);
  t.match(confirm, 'Cancel “Maintenance moved”?');
  t.equal((await client.post(`/broadcasts/${id}/cancel`, { version: '2' })).statusCode, 303);
  t.equal(broadcastRow(app, id).status, 'cancelled');
  t.same(
    await app.broadcasts.sender.sendDue(new Date(when.at.getTime() + 7_200_000)),
    [],
    'a cancelled broadcast never goes',
  );
  t.same(auditDetails(app, 'broadcast.cancel'), ['“Maintenance moved”']);

  // Once sent: neither changed nor cancelled.
  await client.get('/broadcasts/new');
  await client.post('/broadcasts', broadcastFields({ subject: 'Already out' }));
  const sentId = lastBroadcastId(app);
  await app.broadcasts.sender.sendDue();
  const tooLate = await client.get(`/broadcasts/${sentId}/edit`);
  t.equal(tooLate.statusCode, 303);
  const lateChange = await client.post(`/broadcasts/${sentId}`, [
    ...broadcastFields({ subject: 'Changed late' }),
    ['version', '1'],
  ]);
  t.equal(lateChange.statusCode, 303);
  const lateCancel = await client.post(`/broadcasts/${sentId}/cancel`, { version: '1' });
  t.equal(lateCancel.statusCode, 303);
  t.match(
    decode((await client.get('/broadcasts')).body),
    '“Already out” has already gone out: it can no longer be changed or cancelled.',
  );
  t.equal(broadcastRow(app, sentId).status, 'sent');
  t.equal(broadcastRow(app, sentId).subject, 'Already out');
});

t.test('administrators without the email permission have no broadcasts', async (t) => {
  const { app } = await broadcastTeam(t);
  const sales = referenceId(app.db, 'groups', 'Sales');
  const { client } = await signedInHelper(app, 'admin', {
    permissions: ['view', 'edit'],
    scope: { groups: [sales] },
  });
  const home = decode((await client.get('/users')).body);
  t.notMatch(home, 'Broadcasts');
  t.notMatch(home, 'Broadcast a message');
  for (const path of ['/broadcasts', '/broadcasts/new']) {
    const res = await client.get(path);
    t.equal(res.statusCode, 403, path);
    t.match(decode(res.body), 'You may not email users.');
  }
  t.equal((await client.post('/broadcasts', broadcastFields({}))).statusCode, 403);
  t.equal(lastBroadcastId(app), null, 'nothing was created');
});

t.test('the send time is read, and shown, in the administrator’s own time zone', async (t) => {
  const { app, client } = await broadcastTeam(t);
  await client.get('/preferences');
  await client.post('/preferences', { timeZone: 'Europe/Oslo' });
  await client.get('/broadcasts/new');
  t.match(decode(client.lastPage), 'At a date and time (Europe/Oslo time)');
  // The next 24 December: Oslo is an hour ahead of UTC then.
  const now = new Date();
  const year = now.getUTCFullYear() + (now.getUTCMonth() === 11 && now.getUTCDate() >= 23 ? 1 : 0);
  await client.post('/broadcasts', broadcastFields({ when: 'later', sendDate: `${year}-12-24`, sendTime: '10:00' }));
  const id = lastBroadcastId(app);
  const stored = app.db.$client.prepare('select send_at as sendAt from broadcasts where id = ?').get(id) as {
    sendAt: number;
  };
  t.equal(new Date(stored.sendAt).toISOString(), `${year}-12-24T09:00:00.000Z`);
  t.match(decode((await client.get('/broadcasts')).body), `24 Dec ${year}, 10:00`);
  t.match((await client.get(`/broadcasts/${id}/edit`)).body, 'value="10:00"');
});
