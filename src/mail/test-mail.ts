import type { Queryable } from '../db/connection.js';
import type { Sealer } from '../sealed.js';
import { readSmtpSettings, SmtpPasswordUnreadableError } from '../settings/mail-settings.js';
import { composeMail } from './templates.js';
import { deliver, describeSmtpError, smtpTransport } from './transport.js';

/** Sends a test email with the saved settings and says what happened, in words for the settings page. */
export async function sendTestMail(
  db: Queryable,
  smtpSealer: Sealer,
  to: string,
): Promise<{ sent: true } | { sent: false; error: string }> {
  let settings;
  try {
    settings = readSmtpSettings(db, smtpSealer);
  } catch (err) {
    if (err instanceof SmtpPasswordUnreadableError) return { sent: false, error: err.message };
    throw err;
  }
  if (!settings) return { sent: false, error: 'Save the mail settings first.' };
  const transport = smtpTransport(settings);
  try {
    const { secrets: _none, ...mail } = composeMail(
      'test',
      { to, subject: 'Roster test email', data: {} },
      { externalUrl: settings.externalUrl },
    );
    await deliver(transport, settings, mail);
    return { sent: true };
  } catch (err) {
    return { sent: false, error: describeSmtpError(err, settings) };
  } finally {
    transport.close();
  }
}
