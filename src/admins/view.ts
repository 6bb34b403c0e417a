import type { Actor } from '../access/actor.js';
import type { ReferenceLists } from '../reference/reference-lists.js';
import { displayName } from '../users/derived-fields.js';
import { METHOD_WORDS } from '../two-step/enrolment.js';
import { type AccessWords, accessWords } from './words.js';

const capitalised = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

/** One row of the Administrators table, ready for the template to escape. */
export interface AdministratorLine extends AccessWords {
  id: number;
  name: string;
  username: string;
  /** Formatted by the page, in the reader's time zone. */
  lastSigninAt: Date | null;
  /** How the administrator passes the second step, or that they have none yet. */
  twoStep: string;
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
    twoStep: admin.twoStepMethod
      ? capitalised(METHOD_WORDS[admin.twoStepMethod])
      : `Not set up${admin.twoStepEnabled ? ' (required)' : ''}`,
    status: statusOf(admin),
  };
}
