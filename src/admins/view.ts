import type { Actor } from '../access/actor.js';
import type { ReferenceLists } from '../reference/reference-lists.js';
import { displayName } from '../users/derived-fields.js';
import { type AccessWords, accessWords } from './words.js';

/** One row of the Administrators table, ready for the template to escape. */
export interface AdministratorLine extends AccessWords {
  id: number;
  name: string;
  username: string;
  /** Formatted by the page, in the reader's time zone. */
  lastSigninAt: Date | null;
  twoStep: 'On' | 'Off';
  status: { text: string; badge: string };
}

function statusOf(admin: Pick<Actor, 'blocked' | 'status'>) {
  if (admin.blocked) return { text: 'Blocked', badge: 'danger' };
  return admin.status === 'active' ? { text: 'Active', badge: 'success' } : { text: 'Inactive', badge: 'muted' };
}

export function administratorLine(admin: Actor, lists: ReferenceLists): AdministratorLine {
  return {
    id: admin.id,
    name: displayName(admin),
    username: admin.username,
    ...accessWords(admin, lists),
    lastSigninAt: admin.lastSigninAt,
    twoStep: admin.twoStepEnabled ? 'On' : 'Off',
    status: statusOf(admin),
  };
}
