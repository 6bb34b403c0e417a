import Database from 'better-sqlite3';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { existsSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { openDatabase } from '../../src/db/connection.js';
import { LEASE_MS, MailSender } from '../../src/mail/sender.js';
import { claimNextMail } from '../../src/mail/queue.js';
import { Client } from '../helpers/app.js';
import { addUser, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { EXTERNAL_URL, freePort, startSmtpServer, useSmtpServer } from '../helpers/smtp.js';

const MINUTE = 60_000;

interface QueueRow {
  id: number;
  recipient: string;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  secret_sealed: Buffer | null;
  sent_at: number | null;
}

async function withMail(t: { teardown(fn: () => unknown): void }, port?: number) {
  const ctx = await signedInWithAnnAndBoss(t);
  const smtpPort = port ?? (await freePort());
  useSmtpServer(ctx.app, smtpPort, ctx.admin.id);
  return { ...ctx, smtpPort };
}

const queued = (ctx: { app: { db: ReturnType<typeof openDatabase> } }) =>
  ctx.app.db.all<QueueRow>(sql`select * from mail_queue order by id`);

const linkIn = (text: string) => /https:\/\/roster\.example\.com\/set-password\?token=([A-Za-z0-9_-]{43})/.exec(text);

t.test('a set-password link by mail arrives, works once, and is no longer readable in the database', async (t) => {
  const smtp = await startSmtpServer(t);
  const ctx = await withMail(t, smtp.port);
  const noEmail = addUser(ctx.db, { username: 'nomail', firstName: 'No', lastName: 'Mail' });
  t.notMatch(
    (await ctx.browser.get(`/users/${noEmail.id}`)).body,
    /Send set-password link<\/button>/,
    'not offered without an address',
  );
  const page = await ctx.browser.get(`/users/${ctx.ann.id}`);
  t.match(page.body, /Send set-password link<\/button>/);

  const res = await ctx.browser.post(`/users/${ctx.ann.id}/set-password-mail`);
  t.equal(res.statusCode, 302);
  t.match((await ctx.browser.get(`/users/${ctx.ann.id}`)).body, /A set-password link is on its way to ann@example.com/);
  const [row] = queued(ctx);
  t.equal(row!.status, 'queued');
  t.equal(row!.recipient, 'ann@example.com');
  t.notOk(linkIn(row!.body), 'while queued the text holds a placeholder, not the link');
  t.match(row!.body, '[set-password link]');
  const audit = ctx.db.get<{ detail: string }>(
    sql`select detail from audit_entries where target_user_id = ${ctx.ann.id} order by id desc limit 1`,
  )!;
  t.equal(audit.detail, 'set-password link sent by email to ann@example.com');

  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 1, failed: 0 });
  t.equal(smtp.received.length, 1);
  const mail = smtp.received[0]!;
  t.equal(mail.to && 'text' in mail.to ? mail.to.text : '', 'ann@example.com');
  t.equal(mail.subject, 'Set your Roster password');
  t.match(mail.text, /Hello Ann Öberg/);
  const token = linkIn(mail.text ?? '')?.[1];
  t.ok(token, `the link starts with ${EXTERNAL_URL}`);

  const sent = queued(ctx)[0]!;
  t.equal(sent.status, 'sent');
  t.equal(sent.attempts, 1);
  t.equal(sent.secret_sealed, null, 'the sealed link is erased once sent');
  ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)');
  const file = ctx.app.config.databaseFile;
  const stored = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
  t.notOk(stored.includes(token!), 'the token is nowhere in the database files');

  const ann = new Client(ctx.app);
  const form = await ann.get(`/set-password?token=${token}`);
  t.equal(form.statusCode, 200);
  const set = await ann.post('/set-password', {
    token: token!,
    newPassword: 'a brand new passphrase',
    newPasswordConfirmation: 'a brand new passphrase',
  });
  t.equal(set.statusCode, 302);
  t.equal(set.headers.location, '/login');
  t.equal((await ann.get(`/set-password?token=${token}`)).statusCode, 410, 'the link works once');

  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 0, failed: 0 }, 'nothing sent twice');
  const queuePage = await ctx.browser.get('/settings/mail/queue');
  t.match(queuePage.body, /ann@example.com/);
  t.match(queuePage.body, /badge-success">sent/);
});

t.test('while the server is down the mail waits with its error, and goes out once the retry is due', async (t) => {
  const ctx = await withMail(t);
  await ctx.browser.get(`/users/${ctx.ann.id}`);
  await ctx.browser.post(`/users/${ctx.ann.id}/set-password-mail`);
  const start = new Date(Date.now() + 1000);

  t.same(await ctx.app.mail.sender.deliverDue(start), { sent: 0, failed: 1 });
  let row = queued(ctx)[0]!;
  t.equal(row.status, 'queued');
  t.equal(row.attempts, 1);
  t.equal(row.last_error, `Nothing answers at 127.0.0.1:${ctx.smtpPort} (connection refused).`);
  t.equal(row.next_attempt_at, start.getTime() + MINUTE, 'tried again in a minute');
  t.ok(row.secret_sealed, 'the link is kept (sealed) for the next attempt');
  const page = await ctx.browser.get('/settings/mail/queue');
  t.match(page.body, /connection refused/);
  t.match(page.body, /next try/);

  t.same(
    await ctx.app.mail.sender.deliverDue(new Date(start.getTime() + 30_000)),
    { sent: 0, failed: 0 },
    'not due yet',
  );

  const smtp = await startSmtpServer(t, { port: ctx.smtpPort });
  t.same(await ctx.app.mail.sender.deliverDue(new Date(start.getTime() + MINUTE)), { sent: 1, failed: 0 });
  t.equal(smtp.received.length, 1);
  t.ok(linkIn(smtp.received[0]!.text ?? ''), 'the link arrived');
  row = queued(ctx)[0]!;
  t.equal(row.status, 'sent');
  t.equal(row.last_error, null);
  t.equal(row.attempts, 2);
});

t.test(
  'a mail the server refuses waits for its retry without holding up the rest; a server down ends the round',
  async (t) => {
    const smtp = await startSmtpServer(t, { refuse: 'gone@example.com' });
    const ctx = await withMail(t, smtp.port);
    const enqueue = (...to: string[]) =>
      ctx.db.transaction((tx) => {
        for (const address of to)
          ctx.app.mail.outbox.enqueue(tx, { to: address, subject: `To ${address}`, text: 'Hi' });
      });
    enqueue('gone@example.com', 'ann@example.com');
    t.same(await ctx.app.mail.sender.deliverDue(), { sent: 1, failed: 1 });
    const [gone] = queued(ctx);
    t.equal(gone!.status, 'queued');
    t.match(gone!.last_error, /^The SMTP server refused the message: 550 No such mailbox/);
    t.equal(smtp.received.length, 1);

    await smtp.close();
    enqueue('bo@example.com', 'cy@example.com');
    t.same(await ctx.app.mail.sender.deliverDue(), { sent: 0, failed: 1 }, 'one attempt, then the round stops');
    t.same(
      queued(ctx)
        .slice(2)
        .map((row) => row.attempts),
      [1, 0],
    );
  },
);

t.test('after a day of failures a mail is given up, its error kept and its link erased', async (t) => {
  const ctx = await withMail(t);
  await ctx.browser.get(`/users/${ctx.ann.id}`);
  await ctx.browser.post(`/users/${ctx.ann.id}/set-password-mail`);
  const created = queued(ctx)[0]!;
  let at = Date.now() + 1000;
  const delays: number[] = [];
  for (;;) {
    await ctx.app.mail.sender.deliverDue(new Date(at));
    const row = queued(ctx)[0]!;
    if (row.status !== 'queued') break;
    delays.push((row.next_attempt_at - at) / MINUTE);
    at = row.next_attempt_at;
  }
  t.same(delays.slice(0, 5), [1, 5, 30, 120, 120], 'backing off, then every two hours');
  const row = queued(ctx)[0]!;
  t.equal(row.status, 'failed');
  t.match(row.last_error, /connection refused/);
  t.equal(row.secret_sealed, null);
  t.ok(at - created.next_attempt_at <= 24 * 60 * MINUTE, 'within a day');
  t.match((await ctx.browser.get('/settings/mail/queue')).body, /badge-danger">failed/);
});

t.test('two senders at once deliver every mail exactly once', async (t) => {
  const smtp = await startSmtpServer(t);
  const ctx = await withMail(t, smtp.port);
  ctx.db.transaction((tx) => {
    for (let i = 0; i < 12; i++)
      ctx.app.mail.outbox.enqueue(tx, { to: `user${i}@example.com`, subject: `Mail ${i}`, text: 'Hello' });
  });
  const other = openDatabase(ctx.app.config.databaseFile);
  t.teardown(() => other.$client.close());
  const second = new MailSender(other, ctx.app.mail.outbox, ctx.app.mail.smtpSealer, pino({ level: 'silent' }));
  const [a, b] = await Promise.all([ctx.app.mail.sender.deliverDue(), second.deliverDue()]);
  t.equal(a.sent + b.sent, 12);
  t.ok(a.sent > 0 && b.sent > 0, 'both senders took a share');
  t.equal(smtp.received.length, 12);
  t.equal(new Set(smtp.received.map((m) => m.subject)).size, 12, 'no mail twice');
});

t.test('mail is queued with its change or not at all, and waits while mail is not set up', async (t) => {
  const ctx = await signedInWithAnnAndBoss(t);
  t.throws(() =>
    ctx.db.transaction((tx) => {
      ctx.app.mail.outbox.enqueue(tx, { to: 'ann@example.com', subject: 'Rolled back', text: '' });
      throw new Error('the change failed');
    }),
  );
  t.same(queued(ctx), [], 'nothing queued for a change rolled back');
  t.notMatch((await ctx.browser.get(`/users/${ctx.ann.id}`)).body, /Send set-password link<\/button>/, 'not offered');
  await ctx.browser.post(`/users/${ctx.ann.id}/set-password-mail`);
  t.match((await ctx.browser.get(`/users/${ctx.ann.id}`)).body, /mail is not set up, or the user has no email/);

  ctx.db.transaction((tx) => ctx.app.mail.outbox.enqueue(tx, { to: 'ann@example.com', subject: 'Waits', text: '' }));
  t.same(await ctx.app.mail.sender.deliverDue(), { sent: 0, failed: 0 });
  t.equal(queued(ctx)[0]!.attempts, 0, 'untouched until mail is set up');
  t.match((await ctx.browser.get('/settings/mail/queue')).body, /Waits/);

  const smtp = await startSmtpServer(t);
  useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
  ctx.app.mail.sender.start(10);
  while (smtp.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await ctx.app.mail.sender.stop();
  t.equal(queued(ctx)[0]!.status, 'sent', 'the running sender delivered it');
});

t.test(
  'a claim whose lease ran out is due again, and an empty queue is looked at without the write lock',
  async (t) => {
    const smtp = await startSmtpServer(t);
    const ctx = await withMail(t, smtp.port);
    const now = new Date(Date.now() + 1000);
    ctx.db.transaction((tx) =>
      ctx.app.mail.outbox.enqueue(tx, { to: 'ann@example.com', subject: 'Hello', text: 'Hi' }),
    );
    // A process took the mail and stopped before sending it.
    t.ok(claimNextMail(ctx.db, 'stopped-process', now, LEASE_MS), 'claimed');
    t.same(
      await ctx.app.mail.sender.deliverDue(now),
      { sent: 0, failed: 0 },
      'nobody else takes it while the lease holds',
    );
    t.same(await ctx.app.mail.sender.deliverDue(new Date(now.getTime() + LEASE_MS)), { sent: 1, failed: 0 });
    t.equal(smtp.received.length, 1, 'delayed, not lost');

    // A bulk job holds the write lock: with nothing due, a sender must not wait for it.
    const job = new Database(ctx.app.config.databaseFile);
    t.teardown(() => job.close());
    job.exec('begin immediate');
    t.same(await ctx.app.mail.sender.deliverDue(new Date(now.getTime() + 2 * LEASE_MS)), { sent: 0, failed: 0 });
    job.exec('commit');
  },
);
