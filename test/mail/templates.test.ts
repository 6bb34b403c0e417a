import t from 'tap';
import { sql } from 'drizzle-orm';
import { composeMail } from '../../src/mail/templates.js';
import { signedInWithAnnAndBoss } from '../helpers/directory.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';

const LINK = '[link]';

t.test(
  'a mail has a text and an HTML part; the HTML escapes what users typed, and the link arrives in both',
  async (t) => {
    const smtp = await startSmtpServer(t);
    const ctx = await signedInWithAnnAndBoss(t);
    useSmtpServer(ctx.app, smtp.port, ctx.admin.id);
    const mail = composeMail(
      'set-password',
      {
        to: 'ann@example.com',
        subject: 'Set your Roster password',
        data: { name: '<b>Ann</b> & "Co"', username: 'ann', link: LINK, until: '2026-12-01 10:00' },
        secrets: { [LINK]: 'https://roster.example.com/set-password?token=abc&x=<y>' },
      },
      { externalUrl: 'https://roster.example.com' },
    );
    t.match(mail.text, 'Hello <b>Ann</b> & "Co",', 'the text part is not HTML, so it is not escaped');
    t.match(mail.html, 'Hello &lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot;,');
    t.match(mail.text, /Roster · https:\/\/roster\.example\.com\n$/, 'the text ends with the product and its address');

    ctx.db.transaction((tx) => ctx.app.mail.outbox.enqueue(tx, mail));
    const stored = ctx.db.get<{ body: string; html: string }>(sql`select body, html from mail_queue`)!;
    t.notMatch(stored.html, 'token=abc', 'while queued, the HTML part holds only the placeholder');

    t.same(await ctx.app.mail.sender.deliverDue(), { sent: 1, failed: 0 });
    const received = smtp.received[0]!;
    t.match(received.text, 'https://roster.example.com/set-password?token=abc&x=<y>');
    t.match(received.html, 'href="https://roster.example.com/set-password?token=abc&amp;x=&lt;y&gt;"');
  },
);
