import type { ColumnKey } from './columns.js';
import { displayName } from '../users/derived-fields.js';
import type { ListRow } from './list-repository.js';
import { type DateWords, dateWords } from '../dates.js';

/** One table cell: the text, and where it links to, ready for the template to escape. */
export interface Cell {
  text: string;
  href?: string;
  badge?: string;
  title?: string;
  muted?: boolean;
}

const STATUS_BADGES = {
  blocked: { text: 'Blocked', badge: 'danger' },
  locked: { text: 'Locked', badge: 'warning' },
  active: { text: 'Active', badge: 'success' },
  inactive: { text: 'Inactive', badge: 'muted' },
} as const;

const LICENCES = { full: 'Full', viewer: 'Viewer', none: 'None' } as const;

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A calendar day in a zone, written YYYY-MM-DD as the list has always shown days. */
function dayIn(date: Date, zone: string): string {
  let found = dayFormats.get(zone);
  if (!found) dayFormats.set(zone, (found = new Intl.DateTimeFormat('en-CA', { timeZone: zone })));
  return found.format(date);
}

/** The day in the administrator's zone (UTC until it is known), to the minute on hover. */
function day(date: Date | null, dates: DateWords): Cell {
  if (!date) return { text: '' };
  return { text: dayIn(date, dates.zone), title: dates.when(date) };
}

/** The state a person should notice first: blocked, then locked, then active or inactive. */
export function statusOf(row: ListRow, now = new Date()) {
  const { user } = row;
  if (user.blocked) return STATUS_BADGES.blocked;
  if (user.lockedUntil && user.lockedUntil > now) return STATUS_BADGES.locked;
  return STATUS_BADGES[user.status];
}

export function cell(row: ListRow, key: ColumnKey, dates: DateWords = dateWords(null)): Cell {
  const { user } = row;
  switch (key) {
    case 'name':
      return { text: displayName(user), href: `/users/${user.id}` };
    case 'status':
      return statusOf(row);
    case 'licence':
      return { text: LICENCES[user.licenceType] };
    case 'supervisor':
      return row.supervisorId
        ? {
            text: row.supervisor ?? '',
            href: `/users?supervisor=${row.supervisorId}`,
            title: 'Show everyone this person supervises',
          }
        : { text: '' };
    case 'groups':
    case 'teams':
    case 'companies':
    case 'addons':
    case 'databases':
      return { text: row[key].join(', ') };
    case 'territory':
    case 'role':
    case 'userType':
      return { text: row[key] ?? '' };
    case 'kind':
      return { text: user.kind === 'resource' ? 'Resource' : 'User' };
    case 'twoStep':
      return { text: user.twoStepEnabled ? 'On' : 'Off' };
    case 'lastSignin':
      return user.lastSigninAt ? day(user.lastSigninAt, dates) : { text: 'Never', muted: true };
    case 'created':
      return day(user.createdAt, dates);
    case 'updated':
      return day(user.updatedAt, dates);
    default:
      return { text: user[key] };
  }
}
