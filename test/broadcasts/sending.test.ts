import t, { type Test } from 'tap';
import { openDatabase } from '../../src/db/connection.js';
import { BroadcastSender, claimDueBroadcast, BROADCAST_LEASE_MS } from '../../src/broadcasts/sending.js';
import { broadcastFields, broadcastRow, broadcastTeam, lastBroadcastId, tomorrowAtNine } from './fixture.js';
import type { FastifyInstance } from 'fastify';

/** Enough users that a send takes several chunks, and so several turns of the event loop. */
const MANY = 2_500;

function addManyUsers(app: FastifyInstance, count: number): void {
  app.db.$client
    .prepare(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
       insert into users (username, email, created_at, updated_at)
       select 'crowd' || i, 'crowd' || i || '@example.com', 0, 0 from n`,
    )
    .run(count);
}

const count = (app: FastifyInstance, sql: string, ...params: unknown[]) =>
  (app.db.$client.prepare(sql).get(...params) as { n: number }).n;

async function scheduled(t: Test) {
  const team = await broadcastTeam(t);
  addManyUsers(team.app, MANY);
  const when = tomorrowAtNine();
  await team.client.get('/broadcasts/new');
  await team.client.post(
    '/broadcasts',
    broadcastFields({ when: 'later', sendDate: when.sendDate, sendTime: when.sendTime }),
  );
  return { ...team, when, id: lastBroadcastId(team.app) };
}

t.test('two senders on one database file send a due broadcast once', async (t) => {
  const { app, when, id } = await scheduled(t);
  // A second process: its own connection to the same file, its own sender.
  const other = openDatabase(app.config.databaseFile);
  t.teardown(() => other.$client.close());
  const first = app.broadcasts.sender;
  const second = new BroadcastSender(other, app.mail.outbox, app.log);

  const [a, b] = await Promise.all([first.sendDue(when.at), second.sendDue(when.at)]);
  t.same([...a, ...b], [id], 'one of them sent it');
  // The crowd, the superuser, Ann, Bo and Sid (Eve is inactive); Bo has no address.
  const reached = MANY + 4;
  t.equal(broadcastRow(app, id).recipient_count, reached);
  t.equal(count(app, 'select count(*) as n from broadcast_recipients where broadcast_id = ?', id), reached);
  t.equal(
    count(app, 'select count(*) as n from mail_queue'),
    MANY + 3,
    'one mail per recipient with an address, none twice',
  );
  t.equal(count(app, 'select count(distinct recipient) as n from mail_queue'), MANY + 3);
});

t.test('a send cut short is finished by the next claimer once its lease runs out, without repeats', async (t) => {
  const { app, when, id, ann } = await scheduled(t);
  // A process claimed it and wrote one recipient, with their mail, then stopped.
  t.equal(claimDueBroadcast(app.db, 'stopped-process', when.at), id);
  app.db.$client
    .prepare('insert into broadcast_recipients (broadcast_id, user_id, mail_id) values (?, ?, null)')
    .run(id, ann.id);

  t.same(await app.broadcasts.sender.sendDue(new Date(when.at.getTime() + 1_000)), [], 'not while its lease lasts');
  t.equal(broadcastRow(app, id).status, 'sending');
  const later = new Date(when.at.getTime() + BROADCAST_LEASE_MS + 1);
  t.same(await app.broadcasts.sender.sendDue(later), [id], 'taken over after the lease');
  t.equal(broadcastRow(app, id).status, 'sent');
  t.equal(count(app, 'select count(*) as n from broadcast_recipients where broadcast_id = ?', id), MANY + 4);
  t.equal(
    count(app, `select count(*) as n from mail_queue where recipient = 'ann@example.com'`),
    0,
    'Ann was already done: no second mail',
  );
  t.equal(count(app, 'select count(*) as n from mail_queue'), MANY + 2);
});

t.test('a process that stops mid-send hands the broadcast back at once, and the next one finishes it', async (t) => {
  const { app, when, id } = await scheduled(t);
  const stopping = new BroadcastSender(app.db, app.mail.outbox, app.log);
  const cut = stopping.sendDue(when.at);
  await stopping.stop();
  t.same(await cut, [], 'it stopped after its first chunk');
  t.equal(broadcastRow(app, id).status, 'sending');
  t.ok(count(app, 'select count(*) as n from broadcast_recipients where broadcast_id = ?', id) < MANY);

  t.same(await app.broadcasts.sender.sendDue(when.at), [id], 'due again at once, without waiting out the lease');
  t.equal(count(app, 'select count(*) as n from broadcast_recipients where broadcast_id = ?', id), MANY + 4);
  t.equal(count(app, 'select count(distinct recipient) as n from mail_queue'), MANY + 3);
  t.equal(count(app, 'select count(*) as n from mail_queue'), MANY + 3, 'nobody mailed twice');
});
