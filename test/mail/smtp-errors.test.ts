import t from 'tap';
import { describeSmtpError } from '../../src/mail/transport.js';
import { nextAttempt, GIVE_UP_AFTER_MS } from '../../src/mail/sender.js';

const settings = { host: 'smtp.example.com', port: 587, password: 'Hunter-Two-Secret' };

t.test('SMTP errors read as what to do about them, never with the password', async (t) => {
  const cases: [object, string][] = [
    [
      { code: 'ESOCKET', originalCode: 'ECONNREFUSED' },
      'Nothing answers at smtp.example.com:587 (connection refused).',
    ],
    [{ code: 'ETIMEDOUT' }, 'smtp.example.com:587 did not answer in time.'],
    [{ code: 'EDNS' }, 'The host name smtp.example.com could not be found.'],
    [
      { code: 'EAUTH', response: '535 5.7.8 Bad credentials' },
      'The SMTP server refused the user name or password: 535 5.7.8 Bad credentials.',
    ],
    [
      { code: 'ETLS', message: 'wrong version number' },
      'The secure connection to smtp.example.com:587 failed: wrong version number',
    ],
    [{ code: 'EENVELOPE', response: '550 No such user' }, 'The SMTP server refused the message: 550 No such user.'],
    [new Error('socket hang up'), 'Sending failed: socket hang up'],
    [
      { code: 'EAUTH', response: '535 Hunter-Two-Secret is wrong' },
      'The SMTP server refused the user name or password: 535 •••• is wrong.',
    ],
  ];
  for (const [err, text] of cases) t.equal(describeSmtpError(err, settings), text);
  t.equal(describeSmtpError(undefined, { ...settings, password: '' }), 'Sending failed: undefined');
});

t.test('retries back off, then stop a day after the mail was queued', async (t) => {
  const created = new Date(0);
  t.equal(nextAttempt(1, created, created)!.getTime(), 60_000);
  t.equal(nextAttempt(3, created, created)!.getTime(), 30 * 60_000);
  t.equal(nextAttempt(9, created, created)!.getTime(), 120 * 60_000);
  t.equal(
    nextAttempt(9, created, new Date(GIVE_UP_AFTER_MS - 60 * 60_000)),
    undefined,
    'the next try would be past a day',
  );
});
