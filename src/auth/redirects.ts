import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Where to sign in again: the console's or the portal's sign-in page, with why (an ended
 * session) and, for a plain page load, the page to come back to.
 */
export function signInUrl(request: FastifyRequest, page: '/signin' | '/login', reason?: string): string {
  const params = new URLSearchParams();
  if (reason) params.set('reason', reason);
  if (request.method === 'GET' && request.headers['hx-request'] !== 'true') params.set('next', request.url);
  const query = params.toString();
  return query ? `${page}?${query}` : page;
}

/** Sends the browser elsewhere; htmx would swap the page into a fragment, so it is told to navigate. */
export function navigate(request: FastifyRequest, reply: FastifyReply, url: string) {
  if (request.headers['hx-request'] === 'true') return reply.code(401).header('HX-Redirect', url).send();
  return reply.redirect(url);
}
