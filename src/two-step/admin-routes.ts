import type { FastifyInstance } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayChangeAccess, mayManageAdministrators, PERMISSION_WORDS, refusals } from '../access/policy.js';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import { removeSecondStep } from './enrolment.js';
import { setRequiredForAdministrators } from './requirement.js';

/** Route ids are positive integers; anything else names nobody. */
function idParam(value: string): number | undefined {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** What administrators do about other people's second step. */
export default async function twoStepAdminRoutes(app: FastifyInstance) {
  /**
   * Resets a user's second step (they lost their phone): the method, the app's secret and every
   * code are gone, so they sign in with the password alone, or enrol again if it is required.
   */
  app.post<{ Params: { id: string } }>(
    '/users/:id/two-step/reset',
    { preHandler: allowedIf(mayChangeAccess, PERMISSION_WORDS.access) },
    async (request, reply) => {
      const id = idParam(request.params.id);
      const user = id ? findVisibleUser(app.db, request.actor, id) : undefined;
      if (!user) return reply.callNotFound();
      const name = displayName(user);
      const [refused] =
        user.id === request.actor.id
          ? ['Manage your own two-step verification from your preferences.']
          : refusals(app.db, request.actor, 'edit', user);
      if (refused) {
        reply.flash('error', `${name}'s two-step verification was not reset. ${refused}`);
      } else if (user.twoStepMethod === null) {
        reply.flash('info', `${name} has no two-step verification to reset.`);
      } else {
        const actor = { id: request.actor.id, name: displayName(request.actor) };
        removeSecondStep(app.db, user, actor, { requestId: request.id });
        request.log.info({ userId: user.id }, 'second step reset');
        reply.flash(
          'success',
          user.twoStepEnabled
            ? `${name}'s two-step verification was reset: they set it up again at their next sign-in.`
            : `${name}'s two-step verification was reset: they sign in with their password alone until they set it up again.`,
        );
      }
      return reply.redirect(`/users/${user.id}`, 303);
    },
  );

  /** A superuser requires (or stops requiring) a second step of every administrator. */
  app.post<{ Body: Record<string, unknown> | undefined }>(
    '/admins/two-step',
    { preHandler: allowedIf(mayManageAdministrators, 'manage administrators') },
    async (request, reply) => {
      const required = request.body?.required === 'on';
      const changed = setRequiredForAdministrators(app.db, required, {
        id: request.actor.id,
        name: displayName(request.actor),
        requestId: request.id,
      });
      if (changed) {
        reply.flash(
          'success',
          required
            ? 'Two-step verification is now required of every administrator: anyone without it sets it up before doing anything else.'
            : 'Two-step verification is no longer required of every administrator.',
        );
      }
      return reply.redirect('/admins', 303);
    },
  );
}
