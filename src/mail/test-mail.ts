import type { Queryable } from '../db/connection.js';
import type { Sealer } from '../sealed.js';
import { readSmtpSettings, SmtpPasswordUnreadableError } from '../settings/mail-settings.js';
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
    await deliver(transport, settings, {
      to,
      subject: 'Roster test email',
      text: `This is a test email from Roster at ${settings.externalUrl}.\n\nIf you can read it, Roster can send mail.\n`,
    });
    return { sent: true };
  } catch (err) {
    return { sent: false, error: describeSmtpError(err, settings) };
  } finally {
    transport.close();
  }
}
