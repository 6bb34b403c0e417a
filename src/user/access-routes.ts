import { allowedIf } from '../access/guards.js';
import { mayChangeAccess, PERMISSION_WORDS } from '../access/policy.js';
import { fragmentAsked } from '../htmx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { advancedInfo } from './access-info.js';
import { datesFor } from '../preferences/time-zone.js';
import { type AccessAction, changeAccess, revokeSession } from './access-writes.js';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';

/** Route ids are positive integers; anything else names nobody. */
function idParam(value: string): number | undefined {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

const DONE: Record<AccessAction, (name: string, ended: number) => string> = {
  activate: (name) => `${name} was activated.`,
  deactivate: (name, ended) => `${name} was deactivated${signedOut(ended)}.`,
  block: (name, ended) => `${name} was blocked${signedOut(ended)}.`,
  unblock: (name) => `${name} was unblocked.`,
  unlock: (name) => `${name} was unlocked: their failed sign-ins were cleared.`,
};

const UNCHANGED: Record<AccessAction, (name: string) => string> = {
  activate: (name) => `${name} is already active.`,
  deactivate: (name) => `${name} is already inactive.`,
  block: (name) => `${name} is already blocked.`,
  unblock: (name) => `${name} is not blocked.`,
  unlock: (name) => `${name} is not locked.`,
};

function signedOut(ended: number): string {
  if (ended === 0) return '';
  return ended === 1 ? ' and signed out of 1 session' : ` and signed out of ${ended} sessions`;
}

/** Status, block, lock and sessions of one user: the "Status and access" panel's actions. */
export default async function accessRoutes(app: FastifyInstance) {
  const changingAccess = { preHandler: allowedIf(mayChangeAccess, PERMISSION_WORDS.access) };

  async function act(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, action: AccessAction) {
    const id = idParam(request.params.id);
    const outcome = id ? changeAccess(app.db, request.actor, id, action, request.id) : undefined;
    if (!outcome) return reply.callNotFound();
    const name = displayName(outcome.user);
    if (outcome.done) {
      reply.flash('success', DONE[action](name, outcome.sessionsEnded));
    } else if (outcome.unchanged) {
      reply.flash('info', UNCHANGED[action](name));
    } else {
      reply.flash('error', `${name} was not changed. ${outcome.refused}`);
    }
    return reply.redirect(`/users/${outcome.user.id}`, 303);
  }

  app.post<{ Params: { id: string }; Body: { status?: string } }>(
    '/users/:id/status',
    changingAccess,
    async (request, reply) => {
      const status = request.body?.status;
      if (status !== 'active' && status !== 'inactive') {
        return reply.code(400).view('errors/error', {
          title: 'Bad request',
          message: 'The status must be active or inactive.',
          status: 400,
        });
      }
      return act(request, reply, status === 'active' ? 'activate' : 'deactivate');
    },
  );
  app.post<{ Params: { id: string } }>('/users/:id/block', changingAccess, (request, reply) =>
    act(request, reply, 'block'),
  );
  app.post<{ Params: { id: string } }>('/users/:id/unblock', changingAccess, (request, reply) =>
    act(request, reply, 'unblock'),
  );
  app.post<{ Params: { id: string } }>('/users/:id/unlock', changingAccess, (request, reply) =>
    act(request, reply, 'unlock'),
  );

  app.post<{ Params: { id: string; sid: string } }>(
    '/users/:id/sessions/:sid/revoke',
    changingAccess,
    async (request, reply) => {
      const id = idParam(request.params.id);
      const revoked = id ? revokeSession(app.db, request.actor, id, request.params.sid, request.id) : undefined;
      if (revoked === undefined) return reply.callNotFound();
      reply.flash(revoked ? 'success' : 'info', revoked ? 'The session was ended.' : 'That session had already ended.');
      return reply.redirect(`/users/${id}`, 303);
    },
  );

  /**
   * The user page loads this section after the page itself, so the page stays cheap to open;
   * opened directly (without htmx), it is a page of its own.
   */
  app.get<{ Params: { id: string } }>('/users/:id/advanced', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(app.db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    const fragment = fragmentAsked(request, reply);
    return reply.view('users/_advanced', {
      title: `${displayName(user)}: advanced information`,
      fullPage: !fragment,
      info: advancedInfo(app.db, request.actor, user, datesFor(app.db, request.actor.id)),
    });
  });
}
