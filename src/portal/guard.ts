import type { FastifyReply, FastifyRequest } from 'fastify';
import { isEnabled } from '../auth/signin.js';
import { findAccount, passwordChangeReason } from './account.js';
import { sessionTimedOut, touchSession } from '../auth/session-lifetime.js';

export const PASSWORD_PAGE = '/account/password';

/** Sends the browser elsewhere; htmx would swap the page into a fragment, so it is told to navigate. */
export function navigate(request: FastifyRequest, reply: FastifyReply, url: string) {
  if (request.headers['hx-request'] === 'true') return reply.code(401).header('HX-Redirect', url).send();
  return reply.redirect(url);
}

function loginUrl(request: FastifyRequest, reason?: string): string {
  const params = new URLSearchParams();
  if (reason) params.set('reason', reason);
  if (request.method === 'GET' && request.headers['hx-request'] !== 'true') params.set('next', request.url);
  const query = params.toString();
  return query ? `/login?${query}` : '/login';
}

/**
 * Guards the account portal. Only a portal session counts (an administrator's session is a
 * different thing), and the account is re-read on every request, so deactivating, blocking or
 * deleting a user ends their open session at once. A user whose password has expired or must
 * be changed reaches nothing but the password page.
 */
export async function requireAccount(request: FastifyRequest, reply: FastifyReply) {
  const { session } = request;
  const { config, db } = request.server;
  if (session.accountId === undefined) return navigate(request, reply, loginUrl(request));

  const now = Date.now();
  const timedOut = sessionTimedOut(session, config, now);
  const user = timedOut ? undefined : findAccount(db, session.accountId);
  if (!user || !isEnabled(user)) {
    await session.destroy();
    return navigate(request, reply, loginUrl(request, timedOut ? 'expired' : undefined));
  }
  touchSession(session, now);
  request.account = user;

  if (passwordChangeReason(user, new Date(now)) !== null && request.routeOptions.url !== PASSWORD_PAGE) {
    return navigate(request, reply, PASSWORD_PAGE);
  }
}
