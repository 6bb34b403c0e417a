import { eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import t from 'tap';
import { hashPassword } from '../../src/auth/passwords.js';
import { auditEntries, passwordTokens } from '../../src/db/schema.js';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser, signedInHelper } from '../helpers/directory.js';
import { signedInClient } from '../helpers/portal.js';

const TOKEN = /\/set-password\?token=([A-Za-z0-9_-]{43})/;

function tokensOf(app: Awaited<ReturnType<typeof buildTestApp>>, userId: number) {
  return app.db.select().from(passwordTokens).where(eq(passwordTokens.userId, userId)).all();
}

t.test('an administrator creates a link on the user page and sees it once', async (t) => {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann', fullName: 'Ann Öberg' });
  const browser = new Client(app);
  await browser.signIn();

  const page = await browser.get(`/users/${ann.id}`);
  t.match(page.body, `action="/users/${ann.id}/set-password-link"`, 'the user page offers the link');
  t.match(page.body, /Create set-password link/);

  const before = Date.now();
  const res = await browser.post(`/users/${ann.id}/set-password-link`);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store', 'no cache keeps the link');
  const token = TOKEN.exec(res.body)?.[1];
  t.ok(token, 'the full link is shown');
  t.match(res.body, /http:\/\/localhost(:\d+)?\/set-password\?token=/, 'as an address to send');
  t.match(res.body, /shown only this once/);
  t.equal(Buffer.from(token!, 'base64url').length, 32, '32 random bytes');

  const rows = tokensOf(app, ann.id);
  t.equal(rows.length, 1);
  const row = rows[0]!;
  t.equal(row.tokenHash, createHash('sha256').update(token!).digest('hex'), 'the database holds the hash');
  t.notOk(JSON.stringify(row).includes(token!), 'and not the token');
  const everything = app.db.$client.prepare("select group_concat(data, '') as data from sessions").get() as {
    data: string | null;
  };
  t.notOk((everything.data ?? '').includes(token!), 'nor does any session');
  t.equal(row.createdBy, admin.id);
  t.equal(row.usedAt, null);
  const hours = (row.expiresAt.getTime() - before) / 3_600_000;
  t.ok(hours > 71.99 && hours <= 72.01, `valid for 72 hours (${hours.toFixed(3)})`);

  const audit = app.db.select().from(auditEntries).where(eq(auditEntries.targetUserId, ann.id)).all();
  t.equal(audit.length, 1, 'the creation is audited');
  t.match(audit[0], { action: 'user.update', actorId: admin.id, detail: 'set-password link created' });

  const again = await browser.get(`/users/${ann.id}`);
  t.notOk(again.body.includes(token!), 'the user page never shows it again');
});

t.test('only administrators who can see the user may create a link', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann' });
  const gone = addUser(app.db, { username: 'gone', deletedAt: new Date() });
  addUser(app.db, { username: 'mira', passwordHash: await hashPassword('violet kettle under moonlight') });

  const anonymous = new Client(app);
  await anonymous.get('/login');
  const res = await anonymous.post(`/users/${ann.id}/set-password-link`);
  t.equal(res.statusCode, 302, 'nobody signed in is sent to sign in');
  t.match(res.headers.location, /^\/signin/);

  const managed = await signedInClient(app, 'mira', 'violet kettle under moonlight');
  await managed.get('/account');
  const fromPortal = await managed.post(`/users/${ann.id}/set-password-link`);
  t.equal(fromPortal.statusCode, 302, 'a portal session is not an administrator session');
  t.match(fromPortal.headers.location, /^\/signin/);

  const { client: scoped } = await signedInHelper(app);
  await scoped.get('/');
  const outside = await scoped.post(`/users/${ann.id}/set-password-link`);
  t.equal(outside.statusCode, 404, 'outside the scope the user does not exist');
  t.notOk(TOKEN.test(outside.body));

  const superuser = new Client(app);
  await superuser.signIn();
  await superuser.get(`/users/${ann.id}`);
  for (const id of [String(gone.id), '999999', 'abc', '0']) {
    t.equal((await superuser.post(`/users/${id}/set-password-link`)).statusCode, 404, `user ${id} is not found`);
  }
  const forged = await superuser.post(`/users/${ann.id}/set-password-link`, { _csrf: 'forged' });
  t.equal(forged.statusCode, 403, 'a post without the CSRF token is refused');
  const bare = await app.inject({
    method: 'POST',
    url: `/users/${ann.id}/set-password-link`,
    headers: { cookie: superuser.cookieHeader },
  });
  t.equal(bare.statusCode, 403, 'and so is one with no token at all');

  t.equal(app.db.select().from(passwordTokens).all().length, 0, 'no link was made');
  t.equal(app.db.select().from(auditEntries).where(eq(auditEntries.action, 'user.update')).all().length, 0);
});

t.test('a new link cancels the earlier unused one', async (t) => {
  const app = await buildTestApp(t);
  await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann' });
  const browser = new Client(app);
  await browser.signIn();
  await browser.get(`/users/${ann.id}`);

  const first = TOKEN.exec((await browser.post(`/users/${ann.id}/set-password-link`)).body)![1]!;
  const second = TOKEN.exec((await browser.post(`/users/${ann.id}/set-password-link`)).body)![1]!;
  t.not(first, second);
  t.equal(tokensOf(app, ann.id).length, 1, 'one live token per user');

  const user = new Client(app);
  const old = await user.get(`/set-password?token=${first}`);
  t.equal(old.statusCode, 404, 'the earlier link no longer works');
  t.match(old.body, /expired or was already used; ask your administrator for a new one/);
  t.equal((await user.get(`/set-password?token=${second}`)).statusCode, 200, 'the newest one does');
});
