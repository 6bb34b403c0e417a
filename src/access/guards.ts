import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from './actor.js';

/** The 403 page, with the reason in words. */
export function refusedPage(reply: FastifyReply, reason: string) {
  return reply.code(403).view('errors/error', { title: 'Not allowed', message: reason, status: 403 });
}

/** The 403 page for a missing permission: what the administrator may not do. */
export const notAllowed = (reply: FastifyReply, refused: string) =>
  refusedPage(reply, `You may not ${refused}. Ask a superuser if you need to.`);

/**
 * A preHandler that lets the request through only when the actor has the capability; anyone
 * else gets a 403 page that says what they may not do. Buttons for the same capability are
 * hidden by the templates (see capabilities()), so this answers a typed or stale URL.
 */
export function allowedIf(capability: (actor: Actor) => boolean, refused: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!capability(request.actor)) return notAllowed(reply, refused);
  };
}
