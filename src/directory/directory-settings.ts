import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { directorySettings } from '../db/schema.js';
import { Sealer } from '../sealed.js';
import { openPassword, type PasswordChange, passwordAuditChange, sealedAfter } from '../stored-password.js';
import {
  type AttributeMap,
  attributeMapOf,
  DEFAULT_ATTRIBUTE_MAP,
  DIRECTORY_FIELDS,
  FIELD_WORDS,
} from './attribute-map.js';

/** Active Directory's own way of saying "people" (computers are users there too). */
export const DEFAULT_USER_FILTER = '(&(objectCategory=person)(objectClass=user))';

/** The directory settings as the page shows them: everything but the bind password. */
export interface DirectorySettings {
  url: string;
  startTls: boolean;
  caCertificate: string;
  bindDn: string;
  hasPassword: boolean;
  baseDn: string;
  userFilter: string;
  attributeMap: AttributeMap;
  syncEnabled: boolean;
  syncIntervalMinutes: number;
  syncDeactivateMissing: boolean;
  syncMaxChangePercent: number;
}

/** The settings with the password opened, for the one thing that needs it: talking to the server. */
export interface DirectoryConnection extends DirectorySettings {
  bindPassword: string;
}

/** What to do with the stored password: a form left blank keeps it. */

export type DirectorySettingsInput = Omit<DirectorySettings, 'hasPassword'> & { password: PasswordChange };

/** The settings a new page starts from: Active Directory's defaults, sync off. */
export const BLANK_SETTINGS: DirectorySettings = {
  url: '',
  startTls: false,
  caCertificate: '',
  bindDn: '',
  hasPassword: false,
  baseDn: '',
  userFilter: DEFAULT_USER_FILTER,
  attributeMap: DEFAULT_ATTRIBUTE_MAP,
  syncEnabled: false,
  syncIntervalMinutes: 60,
  syncDeactivateMissing: false,
  syncMaxChangePercent: 10,
};

export class BindPasswordUnreadableError extends Error {
  constructor() {
    super('The stored bind password can no longer be read (the session secret has changed). Enter it again.');
  }
}

export function bindPasswordSealer(sessionSecret: string): Sealer {
  return new Sealer(sessionSecret, 'roster directory bind password');
}

const SETTINGS_ID = 1;

function storedRow(db: Queryable) {
  return db.select().from(directorySettings).where(eq(directorySettings.id, SETTINGS_ID)).get();
}

function shown(row: typeof directorySettings.$inferSelect): DirectorySettings {
  return {
    url: row.url,
    startTls: row.startTls,
    caCertificate: row.caCertificate,
    bindDn: row.bindDn,
    hasPassword: row.bindPasswordSealed !== null,
    baseDn: row.baseDn,
    userFilter: row.userFilter,
    attributeMap: attributeMapOf(row.attributeMap),
    syncEnabled: row.syncEnabled,
    syncIntervalMinutes: row.syncIntervalMinutes,
    syncDeactivateMissing: row.syncDeactivateMissing,
    syncMaxChangePercent: row.syncMaxChangePercent,
  };
}

/** The saved settings, or undefined while no directory is set up. */
export function readDirectorySettings(db: Queryable): DirectorySettings | undefined {
  const row = storedRow(db);
  return row && shown(row);
}

export function readDirectoryConnection(db: Queryable, sealer: Sealer): DirectoryConnection | undefined {
  const row = storedRow(db);
  if (!row) return undefined;
  const bindPassword = openPassword(sealer, row.bindPasswordSealed, () => new BindPasswordUnreadableError());
  return { ...shown(row), bindPassword };
}

/** Audited settings by the key their change is stored under; the mapping is one key per field. */
function auditedValues(settings: Omit<DirectorySettings, 'hasPassword'>): Record<string, unknown> {
  const { attributeMap, ...rest } = settings;
  const values: Record<string, unknown> = { ...rest };
  // A certificate is long: the log says whether one is set, not its text.
  values.caCertificate = settings.caCertificate === '' ? '' : 'set';
  for (const field of DIRECTORY_FIELDS) values[`attribute.${field}`] = attributeMap[field];
  return values;
}

/** The settings page's labels, for the audit log (see audit/change-words.ts). */
export const DIRECTORY_LABELS: Record<string, string> = {
  url: 'Server address',
  startTls: 'StartTLS',
  caCertificate: 'CA certificate',
  bindDn: 'Bind DN',
  password: 'Bind password',
  baseDn: 'Base DN',
  userFilter: 'User filter',
  syncEnabled: 'Keep in step automatically',
  syncIntervalMinutes: 'Minutes between runs',
  syncDeactivateMissing: 'Deactivate users who left the directory',
  syncMaxChangePercent: 'Largest share of users changed without confirmation (%)',
  ...Object.fromEntries(DIRECTORY_FIELDS.map((field) => [`attribute.${field}`, `Attribute for ${FIELD_WORDS[field]}`])),
};

/**
 * Saves the settings and audits what changed; the password appears in the entry only as "set",
 * "changed" or "cleared". Turning sync on schedules its first run one interval from now; turning
 * it off unschedules it.
 */
export function saveDirectorySettings(
  db: Db,
  sealer: Sealer,
  input: DirectorySettingsInput,
  by: { id: number; name: string; requestId?: string },
  now = new Date(),
): void {
  db.transaction(
    (tx) => {
      const row = storedRow(tx);
      const before = row && shown(row);
      const sealed = sealedAfter(sealer, input.password, row?.bindPasswordSealed);
      const { password: _password, ...values } = input;
      const rescheduled = !before?.syncEnabled || before.syncIntervalMinutes !== input.syncIntervalMinutes;
      const syncNextAt = !input.syncEnabled
        ? null
        : rescheduled
          ? new Date(now.getTime() + input.syncIntervalMinutes * 60_000)
          : (row?.syncNextAt ?? null);
      const stored = { ...values, bindPasswordSealed: sealed, syncNextAt, updatedAt: now, updatedBy: by.id };
      tx.insert(directorySettings)
        .values({ id: SETTINGS_ID, ...stored })
        .onConflictDoUpdate({ target: directorySettings.id, set: stored })
        .run();

      const was = before ? auditedValues(before) : {};
      const is = auditedValues({ ...input });
      const changes: Record<string, [unknown, unknown]> = {};
      for (const [key, value] of Object.entries(is)) {
        if (JSON.stringify(was[key] ?? null) !== JSON.stringify(value)) changes[key] = [was[key] ?? null, value];
      }
      const password = passwordAuditChange(input.password, before?.hasPassword ?? false);
      if (password) changes.password = password;
      if (Object.keys(changes).length === 0) return;
      recordAudit(
        tx,
        { action: 'settings.directory', actor: { id: by.id, name: by.name }, changes, requestId: by.requestId },
        now,
      );
    },
    { behavior: 'immediate' },
  );
}
