import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { fileURLToPath } from 'node:url';
import { capabilities } from '../access/policy.js';
import type { Flash } from '../types.js';
import { csrfToken } from './sessions.js';
import type { DateWords } from '../dates.js';
import { datesFor } from '../preferences/time-zone.js';

const root = (dir: string) => fileURLToPath(new URL(`../../${dir}`, import.meta.url));
const HTMX_DIST = fileURLToPath(new URL('../../node_modules/htmx.org/dist', import.meta.url));

/**
 * Eta templates (escaped by default) and the static files. Every template gets the request's
 * context through reply.locals; the CSRF token and flash messages are computed only when a
 * template asks for them, so fragments that need neither cost nothing.
 */
export default fp(async (app) => {
  await app.register(view, {
    engine: { eta: new Eta() },
    root: root('views'),
    production: true,
  });

  await app.register(fastifyStatic, { root: root('public'), prefix: '/public/', maxAge: '1h' });
  // htmx is served from its pinned package, never from a CDN.
  await app.register(fastifyStatic, {
    root: HTMX_DIST,
    prefix: '/vendor/htmx/',
    allowedPath: (pathName) => pathName === '/htmx.min.js',
    decorateReply: false,
    maxAge: '1d',
  });

  app.addHook('preHandler', async (request, reply) => setViewLocals(request, reply));
});

/** The request's context for templates; error pages call it too when a request failed early. */
export function setViewLocals(request: FastifyRequest, reply: FastifyReply): void {
  let token: string | undefined;
  let dates: DateWords | undefined;
  reply.locals = {
    path: request.url.split('?', 1)[0] ?? '/',
    requestId: request.id,
    actor: request.actor,
    can: request.actor ? capabilities(request.actor) : undefined,
    // One token per response is enough however many forms the page holds.
    csrf: () => (token ??= csrfToken(request, reply)),
    // Dates in the signed-in administrator's time zone, read once and only by pages that show one.
    dates: () => (dates ??= datesFor(request.server.db, request.actor?.id)),
    flash: (): Flash[] => {
      const messages = request.session.flash ?? [];
      if (messages.length > 0) request.session.flash = undefined;
      return messages;
    },
  };
}
