import { and, type SQL, sql } from 'drizzle-orm';
import type { Actor } from '../access/actor.js';
import { visibleTo } from '../access/scope.js';
import { type Selection, selectionCondition, u } from '../bulk/selection.js';
import type { Queryable } from '../db/connection.js';
import { referenceLists } from '../reference/reference-lists.js';
import { usersCount } from '../text.js';

/**
 * Whom a broadcast is for, as a description rather than a list of people: it is resolved when
 * the broadcast is sent, with the sender's scope as it is then, so a user added to a group
 * before the send time receives it and a user who left the sender's scope does not.
 */
export type Audience =
  | { kind: 'everyone' }
  | { kind: 'groups'; ids: number[] }
  | { kind: 'teams'; ids: number[] }
  /** Users ticked on the users list, or all matching its filters (bulk/selection.ts). */
  | { kind: 'selection'; selection: Selection };

export type AudienceKind = Audience['kind'];

const MEMBERSHIP = { groups: 'user_groups', teams: 'user_teams' } as const;

/** Only people who can sign in are reached: the banner is theirs to read, and mail to a closed account is noise. */
const CAN_SIGN_IN = sql`u.status = 'active' and u.blocked = 0`;

/** The users (aliased `u`) a broadcast reaches when sent by this administrator, scope included. */
export function audienceCondition(db: Queryable, actor: Actor, audience: Audience): SQL {
  switch (audience.kind) {
    case 'everyone':
      return and(visibleTo(actor, u), CAN_SIGN_IN)!;
    case 'groups':
    case 'teams': {
      const membership = sql.raw(MEMBERSHIP[audience.kind]);
      const member = sql`exists (select 1 from ${membership} m where m.user_id = u.id
        and m.ref_id in (select value from json_each(${JSON.stringify(audience.ids)})))`;
      return and(visibleTo(actor, u), member, CAN_SIGN_IN)!;
    }
    case 'selection':
      return and(selectionCondition(db, actor, audience.selection), CAN_SIGN_IN)!;
  }
}

/** The audience in words, as the list, the form and the audit log name it. */
export function describeAudience(db: Queryable, audience: Audience, actor?: Pick<Actor, 'scope'>): string {
  switch (audience.kind) {
    case 'everyone':
      return actor?.scope === 'everyone' ? 'Everyone' : 'Everyone you administer';
    case 'groups':
    case 'teams': {
      const list = referenceLists(db)[audience.kind];
      const names = audience.ids.map((id) => list.byId.get(id)?.name ?? 'a removed item');
      return `${audience.kind === 'groups' ? 'Groups' : 'Teams'}: ${names.join(', ')}`;
    }
    case 'selection': {
      const { selection } = audience;
      if ('ids' in selection) return `${usersCount(selection.ids.length)} chosen on the users list`;
      return selection.query === '' ? 'All users on the users list' : 'All users matching a filtered users list';
    }
  }
}

/** An audience read back from the database; anything unreadable reaches nobody rather than everyone. */
export function storedAudience(value: unknown): Audience {
  const a = value as Partial<Record<string, unknown>> | null;
  if (a?.kind === 'everyone') return { kind: 'everyone' };
  if ((a?.kind === 'groups' || a?.kind === 'teams') && Array.isArray(a.ids)) {
    return { kind: a.kind, ids: a.ids.filter((id): id is number => Number.isSafeInteger(id)) };
  }
  if (a?.kind === 'selection' && a.selection && typeof a.selection === 'object') {
    return { kind: 'selection', selection: a.selection as Selection };
  }
  return { kind: 'selection', selection: { ids: [] } };
}
