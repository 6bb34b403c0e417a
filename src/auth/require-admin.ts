import type { FastifyReply, FastifyRequest } from 'fastify';
import { activeAdministrator } from '../access/actor.js';
import { sessionTimedOut, touchSession } from './session-lifetime.js';
import { navigate, signInUrl } from './redirects.js';
import { mustEnrol } from '../two-step/requirement.js';

/** Where an administrator sets up their own second step. */
export const CONSOLE_TWO_STEP = '/preferences/two-step';

const sendToSignin = (request: FastifyRequest, reply: FastifyReply, reason?: string) =>
  navigate(request, reply, signInUrl(request, '/signin', reason));

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
  // Until a required second step is set up, its page is the only one open (see two-step/).
  if (mustEnrol(db, user, 'console') && !request.url.startsWith(CONSOLE_TWO_STEP)) {
    return navigate(request, reply, CONSOLE_TWO_STEP);
  }
  // What an administrator sees is personal data: no cache, shared or the browser's own, keeps it.
  reply.header('Cache-Control', 'no-store');
}
