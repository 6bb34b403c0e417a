import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { prepared } from '../db/statements.js';
import { toUser } from '../users/user-rows.js';
import { sessionTimedOut, touchSession } from './session-lifetime.js';
import { navigate, signInUrl } from './redirects.js';
import { isEnabled } from './signin.js';

const sendToSignin = (request: FastifyRequest, reply: FastifyReply, reason?: string) =>
  navigate(request, reply, signInUrl(request, '/signin', reason));

/** An administrator who may act now: not in the trash, active and not blocked. */
export function activeAdministrator(db: Queryable, id: number): User | undefined {
  const row = prepared(db, 'select * from users where id = ? and admin_role is not null and deleted_at is null').get(
    id,
  ) as Record<string, unknown> | undefined;
  const user = row && toUser(row);
  return user && isEnabled(user) ? user : undefined;
}

/**
 * Guards every route registered in its context: a signed-in, still-valid administrator is
 * required. The account is re-read on each request, so deactivating, blocking or demoting an
 * administrator takes effect at once even for a session that is still open.
 */
export async function requireAdmin(request: FastifyRequest, reply: FastifyReply) {
  const { session } = request;
  const { config, db } = request.server;
  if (session.userId === undefined) return sendToSignin(request, reply);

  const expired = sessionTimedOut(session, config);
  const user = expired ? undefined : activeAdministrator(db, session.userId);
  if (!user) {
    await session.destroy();
    return sendToSignin(request, reply, expired ? 'expired' : undefined);
  }
  touchSession(session);
  request.actor = user;
}

/**
 * A preHandler for what only superusers may do (scopes cannot be assigned yet, so a scoped
 * administrator would not see a user they added); others get a 403 page saying what is refused.
 */
export function superusersOnly(refused: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.actor.adminRole === 'superuser') return;
    return reply.code(403).view('errors/error', {
      title: 'Not allowed',
      message: `Only superusers can ${refused}.`,
      status: 403,
    });
  };
}
