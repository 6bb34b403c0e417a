import type { FastifyReply, FastifyRequest } from 'fastify';
import { isEnabled } from '../access/actor.js';
import { findAccount, passwordChangeReason } from './account.js';
import { navigate, signInUrl } from '../auth/redirects.js';
import { sessionTimedOut, touchSession } from '../auth/session-lifetime.js';
import { mustEnrol } from '../two-step/requirement.js';

export const PASSWORD_PAGE = '/account/password';
/** Where an account sets up its own second step. */
export const TWO_STEP_PAGE = '/account/two-step';

/**
 * Guards the account portal. Only a portal session counts (an administrator's session is a
 * different thing), and the account is re-read on every request, so deactivating, blocking or
 * deleting a user ends their open session at once. A user whose password has expired or must
 * be changed reaches nothing but the password page.
 */
export async function requireAccount(request: FastifyRequest, reply: FastifyReply) {
  const { session } = request;
  const { config, db } = request.server;
  if (session.accountId === undefined) return navigate(request, reply, signInUrl(request, '/login'));

  const now = Date.now();
  const timedOut = sessionTimedOut(session, config, now);
  const user = timedOut ? undefined : findAccount(db, session.accountId);
  if (!user || !isEnabled(user)) {
    await session.destroy();
    return navigate(request, reply, signInUrl(request, '/login', timedOut ? 'expired' : undefined));
  }
  touchSession(session, now);
  request.account = user;
  // A person's own account page: no cache, shared or the browser's own, keeps it.
  reply.header('Cache-Control', 'no-store');

  if (passwordChangeReason(user, new Date(now)) !== null) {
    if (request.routeOptions.url !== PASSWORD_PAGE) return navigate(request, reply, PASSWORD_PAGE);
  } else if (mustEnrol(db, user, 'portal') && !request.url.startsWith(TWO_STEP_PAGE)) {
    // A required second step comes next: its pages are the only ones open until it is set up.
    return navigate(request, reply, TWO_STEP_PAGE);
  }
}
