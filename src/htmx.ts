import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Whether htmx asked for a fragment: it does when it swaps a region, and asks for the full page
 * on boosted navigation and history restore. The answer differs by these headers, so the reply
 * says so to caches (Vary) whichever it turns out to be.
 */
export function fragmentAsked(request: FastifyRequest, reply: FastifyReply): boolean {
  reply.header('Vary', 'HX-Request, HX-Request-Type');
  return request.headers['hx-request'] === 'true' && request.headers['hx-request-type'] === 'partial';
}
