import type { ColumnKey } from './columns.js';
import { displayName } from '../users/derived-fields.js';
import type { ListRow } from './list-repository.js';

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

function day(date: Date | null): Cell {
  if (!date) return { text: '' };
  const iso = date.toISOString();
  return { text: iso.slice(0, 10), title: `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` };
}

/** The state a person should notice first: blocked, then locked, then active or inactive. */
export function statusOf(row: ListRow, now = new Date()) {
  const { user } = row;
  if (user.blocked) return STATUS_BADGES.blocked;
  if (user.lockedUntil && user.lockedUntil > now) return STATUS_BADGES.locked;
  return STATUS_BADGES[user.status];
}

export function cell(row: ListRow, key: ColumnKey): Cell {
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
      return user.lastSigninAt ? day(user.lastSigninAt) : { text: 'Never', muted: true };
    case 'created':
      return day(user.createdAt);
    case 'updated':
      return day(user.updatedAt);
    default:
      return { text: user[key] };
  }
}
