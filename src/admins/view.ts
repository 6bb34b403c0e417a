import type { Actor } from '../access/actor.js';
import type { ReferenceLists } from '../reference/reference-lists.js';
import { displayName } from '../users/derived-fields.js';
import { type AccessWords, accessWords } from './words.js';

/** One row of the Administrators table, ready for the template to escape. */
export interface AdministratorLine extends AccessWords {
  id: number;
  name: string;
  username: string;
  lastSignin: string;
  lastSigninIso?: string;
  twoStep: 'On' | 'Off';
  status: { text: string; badge: string };
}

function statusOf(admin: Pick<Actor, 'blocked' | 'status'>) {
  if (admin.blocked) return { text: 'Blocked', badge: 'danger' };
  return admin.status === 'active' ? { text: 'Active', badge: 'success' } : { text: 'Inactive', badge: 'muted' };
}

export function administratorLine(admin: Actor, lists: ReferenceLists): AdministratorLine {
  const iso = admin.lastSigninAt?.toISOString();
  return {
    id: admin.id,
    name: displayName(admin),
    username: admin.username,
    ...accessWords(admin, lists),
    lastSignin: iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : 'Never',
    lastSigninIso: iso,
    twoStep: admin.twoStepEnabled ? 'On' : 'Off',
    status: statusOf(admin),
  };
}
