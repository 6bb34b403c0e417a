import { SMTP_SECURITY, type SmtpSecurity } from '../db/schema.js';
import { EMAIL } from '../email-address.js';
import type { MailSettings, MailSettingsInput } from './mail-settings.js';
import { passwordChangeOf, willHavePassword } from '../stored-password.js';

/** The form as typed, strings throughout, so a refused form comes back as it was sent (but the password). */
export interface MailForm {
  host: string;
  port: string;
  security: string;
  username: string;
  password: string;
  clearPassword: boolean;
  fromAddress: string;
  externalUrl: string;
}

export type MailFormErrors = Partial<Record<keyof MailForm, string>>;

/** The usual port for each kind of connection, offered when none is typed. */
const DEFAULT_PORTS: Record<SmtpSecurity, number> = { none: 25, starttls: 587, tls: 465 };

export const SECURITY_LABELS: Record<SmtpSecurity, string> = {
  starttls: 'STARTTLS (usually port 587)',
  tls: 'TLS from the start (usually port 465)',
  none: 'None: unencrypted (only to a server on this machine or a trusted network)',
};

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;

export function readMailForm(body: Record<string, unknown> | undefined): MailForm {
  const text = (name: keyof MailForm, max: number) => {
    const value = body?.[name];
    return typeof value === 'string' ? value.trim().slice(0, max) : '';
  };
  const password = body?.password;
  return {
    host: text('host', 300),
    port: text('port', 10),
    security: text('security', 20),
    username: text('username', 300),
    // Passwords keep their spaces: they may begin or end with one.
    password: typeof password === 'string' ? password.slice(0, 1000) : '',
    clearPassword: body?.clearPassword === '1',
    fromAddress: text('fromAddress', 320),
    externalUrl: text('externalUrl', 2000),
  };
}

/** The form for saved settings (or a blank one with the usual choices); the password is never filled in. */
export function mailFormOf(settings: MailSettings | undefined): MailForm {
  return {
    host: settings?.host ?? '',
    port: settings ? String(settings.port) : '',
    security: settings?.security ?? 'starttls',
    username: settings?.username ?? '',
    password: '',
    clearPassword: false,
    fromAddress: settings?.fromAddress ?? '',
    externalUrl: settings?.externalUrl ?? '',
  };
}

/** Roster's public address without a trailing slash, or undefined when it is not a plain http(s) address. */
function externalUrlOf(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const plain =
    ['http:', 'https:'].includes(url.protocol) && !url.username && !url.password && !url.search && !url.hash;
  return plain ? `${url.origin}${url.pathname}`.replace(/\/+$/, '') : undefined;
}

/** Checks every field at once, so a person learns about all problems in one round. */
export function validateMailForm(
  form: MailForm,
  stored: MailSettings | undefined,
): { errors: MailFormErrors } | { settings: MailSettingsInput } {
  const errors: MailFormErrors = {};
  if (form.host === '') errors.host = 'Enter the host name of the SMTP server, such as smtp.example.com.';
  else if (form.host.length > 253 || !HOST.test(form.host))
    errors.host = 'Enter only the host name, such as smtp.example.com: no "smtp://", port or path.';

  const security = (SMTP_SECURITY as readonly string[]).includes(form.security)
    ? (form.security as SmtpSecurity)
    : undefined;
  if (!security) errors.security = 'Choose how the connection is secured.';
  const port = form.port === '' && security ? DEFAULT_PORTS[security] : Number(form.port);
  if (!/^\d*$/.test(form.port) || !Number.isInteger(port) || port < 1 || port > 65535)
    errors.port = 'Enter a port number from 1 to 65535, such as 587.';

  if (form.username.length > 200) errors.username = 'The user name can be at most 200 characters long.';
  const { change: password, error: passwordError } = passwordChangeOf(form);
  if (passwordError) errors.password = passwordError;
  if (!errors.password && form.username !== '' && !willHavePassword(password, stored?.hasPassword ?? false))
    errors.password = 'Enter the password that goes with this user name.';
  if (!errors.password && form.username === '' && 'set' in password)
    errors.username = 'Enter the user name this password belongs to.';

  if (form.fromAddress === '') errors.fromAddress = 'Enter the address mail is sent from, such as roster@example.com.';
  else if (!EMAIL.test(form.fromAddress)) errors.fromAddress = 'Enter an email address like roster@example.com.';

  const externalUrl = externalUrlOf(form.externalUrl);
  if (form.externalUrl === '')
    errors.externalUrl = 'Enter the address people open Roster at, such as https://roster.example.com.';
  else if (!externalUrl)
    errors.externalUrl = 'Enter an address that starts with https:// (or http://), without a query or #fragment.';

  if (Object.keys(errors).length > 0 || !security || !externalUrl) return { errors };
  const { host, username, fromAddress } = form;
  return { settings: { host, port, security, username, fromAddress, externalUrl, password } };
}
