import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../settings/mail-settings.js';

/** One message as Roster sends it to one recipient: plain text, and an HTML part when it has one. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export type SmtpTransport = ReturnType<typeof nodemailer.createTransport>;

/**
 * A connection to the configured server. Timeouts are short, so a server that does not answer
 * makes a test email fail within seconds rather than the page hanging, and the queue moves on.
 * Nodemailer's own logging stays off: it would write the conversation, credentials included.
 */
export function smtpTransport(settings: SmtpSettings): SmtpTransport {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    auth: settings.username ? { user: settings.username, pass: settings.password } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    logger: false,
  });
}

export async function deliver(transport: SmtpTransport, settings: SmtpSettings, mail: OutgoingMail): Promise<void> {
  await transport.sendMail({
    from: settings.fromAddress,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
  });
}

interface SmtpError {
  code?: string;
  originalCode?: string;
  response?: string;
  message?: string;
}

/**
 * What went wrong, in words an administrator can act on, with the server's own answer when it
 * gave one. The password is taken out of the text whatever the server echoed back.
 */
export function describeSmtpError(err: unknown, settings: Pick<SmtpSettings, 'host' | 'port' | 'password'>): string {
  const e = (err ?? {}) as SmtpError;
  const where = `${settings.host}:${settings.port}`;
  const answer = e.response ? `: ${e.response}` : '';
  const code = e.originalCode ?? e.code;
  const text =
    code === 'ECONNREFUSED'
      ? `Nothing answers at ${where} (connection refused).`
      : code === 'ETIMEDOUT'
        ? `${where} did not answer in time.`
        : code === 'EDNS' || code === 'ENOTFOUND'
          ? `The host name ${settings.host} could not be found.`
          : code === 'EAUTH'
            ? `The SMTP server refused the user name or password${answer}.`
            : code === 'ETLS'
              ? `The secure connection to ${where} failed: ${e.message ?? ''}`
              : e.response
                ? `The SMTP server refused the message${answer}.`
                : `Sending failed: ${e.message ?? String(err)}`;
  return settings.password ? text.replaceAll(settings.password, '••••') : text;
}
