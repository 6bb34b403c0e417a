import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { auditEntries } from '../../src/db/schema.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { addSuperuser, ADMIN_PASSWORD, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';

const WRONG = 'not the password at all';

/** A browser at a given client address (the app trusts X-Forwarded-For, as behind a proxy). */
class ClientAt extends Client {
  constructor(
    app: FastifyInstance,
    private readonly address: string,
  ) {
    super(app);
  }

  override get(url: string, headers: Record<string, string> = {}) {
    return super.get(url, { 'x-forwarded-for': this.address, ...headers });
  }

  override post(url: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return super.post(url, fields, { 'x-forwarded-for': this.address, ...headers });
  }

  /** Signs in on the console (/signin) or the portal (/login). */
  async attempt(page: '/signin' | '/login', password: string) {
    await this.get(page);
    return (await this.post(page, { username: 'admin', password })).statusCode;
  }
}

const failureEntries = (app: FastifyInstance) =>
  app.db
    .select({ action: auditEntries.action, detail: auditEntries.detail, target: auditEntries.targetUserId })
    .from(auditEntries)
    .all()
    .filter((e) => e.action.endsWith('signin_failed'));

t.test('failures at the portal never keep an administrator out of the console', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true });
  await addSuperuser(app);
  const stranger = new ClientAt(app, '198.51.100.7');
  for (let i = 0; i < 25; i++) await stranger.attempt('/login', WRONG);
  t.equal(await stranger.attempt('/login', WRONG), 401);

  const admin = new ClientAt(app, '198.51.100.7');
  t.equal(await admin.attempt('/signin', ADMIN_PASSWORD), 302, 'the console opens, even from the same address');
});

t.test('failures from one address pause only that address; the owner elsewhere signs in', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true, lockoutThreshold: 10 });
  await addSuperuser(app);
  const stranger = new ClientAt(app, '203.0.113.5');
  for (let i = 0; i < 10; i++) t.equal(await stranger.attempt('/signin', WRONG), 401);
  t.equal(await stranger.attempt('/signin', ADMIN_PASSWORD), 401, 'the stranger is paused, right password or not');

  const owner = new ClientAt(app, '192.0.2.44');
  t.equal(await owner.attempt('/signin', ADMIN_PASSWORD), 302, 'the owner, from their own address, signs in');
});

t.test('many addresses together reach the slower per-account limit', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true, lockoutThreshold: 3, lockoutAccountLimit: 6 });
  await addSuperuser(app);
  for (const address of ['203.0.113.1', '203.0.113.2']) {
    const guesser = new ClientAt(app, address);
    for (let i = 0; i < 3; i++) await guesser.attempt('/signin', WRONG);
  }
  t.equal(await new ClientAt(app, '203.0.113.3').attempt('/signin', ADMIN_PASSWORD), 401, 'paused everywhere');
  t.equal(await new ClientAt(app, '203.0.113.3').attempt('/login', ADMIN_PASSWORD), 302, 'the portal counts apart');

  const entries = failureEntries(app).map((e) => e.detail);
  t.match(entries.at(-1), /^6 failed sign-ins from 2 addresses within 15 minutes: paused from every address/);
});

t.test('a managed user paused everywhere shows as locked, and Unlock lets them in again', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true, lockoutThreshold: 2, lockoutAccountLimit: 4 });
  await addSuperuser(app);
  const ann = addUser(app.db, { username: 'ann', passwordHash: await hashPassword(ADMIN_PASSWORD) });
  const tryAs = async (address: string, password: string) => {
    const client = new ClientAt(app, address);
    await client.get('/login');
    return (await client.post('/login', { username: 'ann', password })).statusCode;
  };
  for (const address of ['203.0.113.1', '203.0.113.2']) for (let i = 0; i < 2; i++) await tryAs(address, WRONG);
  t.equal(await tryAs('192.0.2.9', ADMIN_PASSWORD), 401, 'paused from every address');
  const admin = new Client(app);
  await admin.signIn();
  t.match((await admin.get(`/users/${ann.id}`)).body, /Locked after 4 failed sign-ins/, 'the user page says so');
  await admin.post(`/users/${ann.id}/unlock`);
  t.equal(await tryAs('192.0.2.9', ADMIN_PASSWORD), 302, 'unlocked, ann signs in');
});

t.test('every failure is audited, a flood only once per account, page, address and window', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true });
  const admin = await addSuperuser(app);
  const stranger = new ClientAt(app, '203.0.113.5');
  for (let i = 0; i < 40; i++) await stranger.attempt('/signin', WRONG);
  for (let i = 0; i < 2; i++) await stranger.attempt('/login', WRONG);
  await new ClientAt(app, '192.0.2.44').attempt('/signin', WRONG);

  const entries = failureEntries(app);
  t.match(
    entries,
    [
      { action: 'admin.signin_failed', detail: 'wrong password, from 203.0.113.5' },
      {
        action: 'admin.signin_failed',
        detail: /^10 failed sign-ins from 203\.0\.113\.5 within 15 minutes: paused from there until \d{4}-\d\d-\d\dT/,
      },
      { action: 'account.signin_failed', detail: 'wrong password, from 203.0.113.5' },
      { action: 'admin.signin_failed', detail: 'wrong password, from 192.0.2.44' },
    ],
    'one entry when a window opens, one when the address is paused, nothing for the refused flood',
  );
  t.equal(entries.length, 4);
  t.ok(
    entries.every((e) => e.target === admin.id),
    'each names the account',
  );
});

t.test('the audit log shows failed portal sign-ins in words', async (t) => {
  const app = await buildTestApp(t, { trustProxy: true });
  await addSuperuser(app);
  await new ClientAt(app, '203.0.113.5').attempt('/login', WRONG);
  const browser = new Client(app);
  await browser.signIn();
  const log = await browser.get('/audit');
  t.match(log.body, /Portal sign-in failed/);
  t.match(log.body, /wrong password, from 203\.0\.113\.5/);
  t.ok(app.db.select().from(auditEntries).where(eq(auditEntries.action, 'admin.signin')).get(), 'sign-in audited');
});
