import t from 'tap';
import { Client } from '../helpers/app.js';
import { decode } from '../helpers/list-page.js';
import { addManagedUser, portalSignIn } from '../helpers/portal.js';
import { broadcastFields, broadcastTeam, lastBroadcastId } from './fixture.js';

t.test('a portal user sees a sent broadcast until they dismiss it', async (t) => {
  const { app, client } = await broadcastTeam(t);
  const mira = await addManagedUser(app);
  await client.get('/broadcasts/new');
  await client.post(
    '/broadcasts',
    broadcastFields({ subject: 'Outage <tonight>', body: 'Line one\n<script>alert(1)</script>', category: 'outage' }),
  );
  const first = lastBroadcastId(app);

  const portal = new Client(app);
  await portalSignIn(portal);
  t.notMatch(decode((await portal.get('/account')).body), 'Outage', 'nothing shows before it is sent');

  await app.broadcasts.sender.sendDue();
  const page = await portal.get('/account');
  t.match(decode(page.body), 'Outage Outage <tonight>', 'the category, then the subject');
  t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt;', 'the text is escaped');
  t.notMatch(page.body, '<script>alert(1)');

  // Another user's dismissal, or one for a broadcast not addressed to them, changes nothing.
  const other = await addManagedUser(app, { username: 'nils', email: '' });
  t.equal((await portal.post(`/account/broadcasts/${first + 1}/dismiss`)).statusCode, 303);
  t.match(decode((await portal.get('/account')).body), 'Outage <tonight>');
  const nils = new Client(app);
  await portalSignIn(nils, 'nils');
  await nils.get('/account');
  await nils.post(`/account/broadcasts/${first}/dismiss`);
  t.ok(other, 'Nils, added after the send, was not a recipient');

  // Without a token the post is refused; with one it hides the banner for Mira only.
  const forged = await portal.post(`/account/broadcasts/${first}/dismiss`, { _csrf: 'forged' });
  t.equal(forged.statusCode, 403);
  t.match(decode((await portal.get('/account')).body), 'Outage <tonight>');
  const dismissed = await portal.post(`/account/broadcasts/${first}/dismiss`);
  t.equal(dismissed.statusCode, 303);
  t.equal(dismissed.headers.location, '/account');
  t.notMatch(decode((await portal.get('/account')).body), 'Outage <tonight>', 'gone once dismissed');
  t.ok(
    app.db.$client
      .prepare('select dismissed_at from broadcast_recipients where broadcast_id = ? and user_id = ?')
      .get(first, mira.id),
  );
});

t.test('dismissing needs a portal session', async (t) => {
  const { app } = await broadcastTeam(t);
  const stranger = new Client(app);
  await stranger.get('/login');
  const res = await stranger.post('/account/broadcasts/1/dismiss');
  t.equal(res.statusCode, 302);
  t.match(String(res.headers.location), /^\/login/);
});
