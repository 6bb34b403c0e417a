import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { mailSettings, type SmtpSecurity } from '../db/schema.js';
import { prepared } from '../db/statements.js';
import { Sealer } from '../sealed.js';
import { openPassword, type PasswordChange, passwordAuditChange, sealedAfter } from '../stored-password.js';

/** The mail settings as the page shows them: everything but the password, which is never shown. */
export interface MailSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string;
  hasPassword: boolean;
  fromAddress: string;
  externalUrl: string;
}

/** The settings with the password opened, for the one thing that needs it: talking to the server. */
export interface SmtpSettings extends MailSettings {
  password: string;
}

export type MailSettingsInput = Omit<MailSettings, 'hasPassword'> & { password: PasswordChange };

/** The stored password cannot be opened: the session secret it was sealed under has changed. */
export class SmtpPasswordUnreadableError extends Error {
  constructor() {
    super('The stored SMTP password can no longer be read (the session secret has changed). Enter it again.');
  }
}

export function smtpPasswordSealer(sessionSecret: string): Sealer {
  return new Sealer(sessionSecret, 'roster smtp password');
}

const SETTINGS_ID = 1;

function storedRow(db: Queryable) {
  return db.select().from(mailSettings).where(eq(mailSettings.id, SETTINGS_ID)).get();
}

/** The saved settings, or undefined while mail has not been set up. */
export function readMailSettings(db: Queryable): MailSettings | undefined {
  const row = storedRow(db);
  return row && shown(row);
}

function shown(row: typeof mailSettings.$inferSelect): MailSettings {
  const { host, port, security, username, fromAddress, externalUrl } = row;
  return { host, port, security, username, hasPassword: row.passwordSealed !== null, fromAddress, externalUrl };
}

/**
 * Whether Roster can send mail. Every field a mail needs (server, sender, the address links
 * point to) is required to save the settings, so saved settings are complete ones.
 */
export function mailConfigured(db: Queryable): boolean {
  // The users list asks on every page: a statement prepared once, not a query compiled each time.
  return prepared(db, `select 1 from mail_settings where id = ${SETTINGS_ID}`).get() !== undefined;
}

export function readSmtpSettings(db: Queryable, sealer: Sealer): SmtpSettings | undefined {
  const row = storedRow(db);
  if (!row) return undefined;
  const password = openPassword(sealer, row.passwordSealed, () => new SmtpPasswordUnreadableError());
  return { ...shown(row), password };
}

const AUDITED = ['host', 'port', 'security', 'username', 'fromAddress', 'externalUrl'] as const;

/** Saves the settings and audits what changed; the password appears in the entry only as "set", "changed" or "cleared". */
export function saveMailSettings(
  db: Db,
  sealer: Sealer,
  input: MailSettingsInput,
  by: { id: number; name: string; requestId?: string },
  now = new Date(),
): void {
  db.transaction((tx) => writeSettings(tx, sealer, input, by, now), { behavior: 'immediate' });
}

function writeSettings(
  db: Queryable,
  sealer: Sealer,
  input: MailSettingsInput,
  by: { id: number; name: string; requestId?: string },
  now: Date,
): void {
  const row = storedRow(db);
  const before = row && shown(row);
  const sealed = sealedAfter(sealer, input.password, row?.passwordSealed);
  const { password: _password, ...values } = input;
  const stored = { ...values, passwordSealed: sealed, updatedAt: now, updatedBy: by.id };
  db.insert(mailSettings)
    .values({ id: SETTINGS_ID, ...stored })
    .onConflictDoUpdate({ target: mailSettings.id, set: stored })
    .run();

  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of AUDITED) {
    if (before?.[key] !== input[key]) changes[key] = [before?.[key] ?? null, input[key]];
  }
  const password = passwordAuditChange(input.password, before?.hasPassword ?? false);
  if (password) changes.password = password;
  if (Object.keys(changes).length === 0) return;
  recordAudit(
    db,
    { action: 'settings.mail', actor: { id: by.id, name: by.name }, changes, requestId: by.requestId },
    now,
  );
}
