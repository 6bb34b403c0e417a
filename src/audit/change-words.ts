import type { DateWords } from '../dates.js';
import { SECURITY_LABELS } from '../settings/mail-form.js';
import { DIRECTORY_LABELS } from '../directory/directory-settings.js';
import { FIELD_LABELS } from '../user/user-writes.js';

/**
 * An audit entry's field-level changes in words: each field by the label its form gives it,
 * each value as the form shows it ("Full", "Inactive", "Yes", a supervisor's name), and each
 * date in the reader's time zone. Entries store keys and codes so they stay comparable; only
 * this file turns them into words, for the audit log and a user's history alike.
 */

export interface ChangeWords {
  field: string;
  before: string;
  after: string;
}

type Labels = Record<string, string>;

/** Fields of a user that no form edits: the access actions and the server's recovery command write them. */
const ACCESS_LABELS: Labels = {
  blocked: 'Blocked',
  lockedUntil: 'Locked until',
  failedSigninCount: 'Failed sign-ins',
  passwordState: 'Password',
  password: 'Password',
  adminRole: 'Administrator role',
  mustChangePassword: 'Must change password',
  passwordExpiresAt: 'Password expires',
};

/** The mail settings page's own labels: its "username" is the SMTP account's, not a user's. */
const MAIL_LABELS: Labels = {
  host: 'SMTP server',
  port: 'Port',
  security: 'Connection security',
  username: 'User name',
  password: 'Password',
  fromAddress: 'Sender address (From)',
  externalUrl: 'Public address of Roster',
  invitationDays: 'Days a welcome link works',
};

/** The Administrators page: "role" there is the administrator's role, not the user's job role. */
const ADMIN_LABELS: Labels = { role: 'Administrator role', scope: 'Scope', permissions: 'Permissions' };

const LIST_LABELS: Labels = { name: 'Name' };

function labelsFor(action: string): Labels {
  if (action === 'settings.mail') return MAIL_LABELS;
  if (action === 'settings.directory') return DIRECTORY_LABELS;
  if (action === 'admin.grant' || action === 'admin.change' || action === 'admin.revoke') return ADMIN_LABELS;
  if (action.startsWith('list.')) return LIST_LABELS;
  return { ...FIELD_LABELS, ...ACCESS_LABELS };
}

/** Stored codes, as the forms' choices name them. */
const CODES: Record<string, Record<string, string>> = {
  licenceType: { full: 'Full', viewer: 'Viewer', none: 'None' },
  status: { active: 'Active', inactive: 'Inactive' },
  kind: { user: 'User', resource: 'Resource' },
  security: SECURITY_LABELS,
  adminRole: { superuser: 'Superuser', admin: 'Scoped administrator' },
  passwordState: {
    set: 'Set',
    expired: 'Expired',
    none: 'None',
    'must change': 'Must be changed',
    'set-password link sent by email': 'Set-password link sent by email',
  },
  password: {
    set: 'Set',
    changed: 'Changed',
    cleared: 'Cleared',
    none: 'None',
    '(set)': 'Set',
    '(reset)': 'Reset',
  },
};

const BOOLEANS = new Set(['blocked', 'twoStepEnabled', 'mustChangePassword']);
const DATES = new Set(['lockedUntil', 'passwordExpiresAt']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Supervisors were once recorded as "Name (id)": the id means nothing to a reader. */
const TRAILING_ID = /\s\(\d+\)$/;
const WEEKS = [
  ['odd', 'Odd weeks'],
  ['even', 'Even weeks'],
] as const;

const NOTHING = '—';
const yesNo = (value: unknown) => (value === true || value === 1 || value === 'true' ? 'Yes' : 'No');

function dateText(value: unknown, dates: DateWords): string | undefined {
  if (typeof value === 'number') return dates.when(new Date(value));
  if (typeof value === 'string' && ISO_TIME.test(value)) return dates.when(new Date(value));
  return undefined;
}

function avatarText(value: string): string {
  if (value === 'none') return 'None';
  const type = /^image\/([a-z0-9.+-]+)$/i.exec(value)?.[1];
  return type ? `${type.replace(/\+xml$/, '').toUpperCase()} image` : value;
}

/** Hours a resource is available, Monday first, as the user page's table reads them. */
function availabilityText(value: Record<string, unknown>): string {
  return WEEKS.filter(([key]) => Array.isArray(value[key]))
    .map(([key, label]) => `${label}: ${(value[key] as unknown[]).map((h) => String(h ?? 0)).join(' ')}`)
    .join('; ');
}

/** One recorded value in words. */
export function valueWords(key: string, value: unknown, dates: DateWords): string {
  if (value === null || value === undefined || value === '') return NOTHING;
  if (BOOLEANS.has(key)) return yesNo(value);
  if (DATES.has(key)) return dateText(value, dates) ?? NOTHING;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length === 0 ? NOTHING : value.map((v) => valueWords('', v, dates)).join(', ');
  if (typeof value === 'object') {
    const parts = value as Record<string, unknown>;
    if (key === 'availability') return availabilityText(parts) || NOTHING;
    return Object.entries(parts)
      .map(([k, v]) => `${fieldFromKey(k)}: ${valueWords(k, v, dates)}`)
      .join('; ');
  }
  const text = String(value);
  const code = CODES[key]?.[text];
  if (code) return code;
  if (key === 'supervisor') return text.replace(TRAILING_ID, '');
  if (key === 'avatar') return avatarText(text);
  return dateText(text, dates) ?? text;
}

/** The changes of one entry, in the order they were recorded. */
export function changeWords(
  action: string,
  changes: Record<string, unknown> | null | undefined,
  dates: DateWords,
): ChangeWords[] {
  const labels = labelsFor(action);
  return Object.entries(changes ?? {}).map(([key, pair]) => {
    const [before, after] = Array.isArray(pair) && pair.length === 2 ? pair : [undefined, pair];
    return {
      field: labels[key] ?? fieldFromKey(key),
      before: valueWords(key, before, dates),
      after: valueWords(key, after, dates),
    };
  });
}

/** A key no table names (an entry older than its label): "fromAddress" reads "From address". */
function fieldFromKey(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
