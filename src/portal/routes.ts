import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { endSessionsOf } from '../auth/session-store.js';
import { safeNext } from '../auth/redirects.js';
import { checkSigninForm, SIGNIN_NOTICES, SIGNIN_REFUSED, type SigninForm, startSession } from '../auth/signin-form.js';
import type { User } from '../db/schema.js';
import { formPostLimit } from '../plugins/rate-limit.js';
import { beginSecondStep } from '../two-step/pending.js';
import { displayName } from '../users/derived-fields.js';
import { activeAdministrator } from '../access/actor.js';
import {
  changePassword,
  type PasswordChangeErrors,
  type PasswordChangeReason,
  passwordChangeReason,
  readPasswordChangeInput,
  validatePasswordChange,
} from './account.js';
import { PASSWORD_PAGE, requireAccount } from './guard.js';
import { bannersFor } from '../broadcasts/repository.js';

const CHANGE_REASONS: Record<PasswordChangeReason, string> = {
  expired: 'Your password has expired. Choose a new one to continue.',
  required: 'Choose a new password before you continue.',
};

/** Only pages of the portal: after sign-in a managed user has nowhere else to go. */
function portalNext(next: unknown): string {
  const path = safeNext(next);
  return /^\/account(?:[/?#]|$)/.test(path) ? path : '/account';
}

/** Who is signed in, for the small bar on portal pages. */
function portalAccount(user: User) {
  return { name: displayName(user), username: user.username };
}

export default async function portalRoutes(app: FastifyInstance) {
  const policy = { minLength: app.config.passwordMinLength };

  const loginPage = (reply: FastifyReply, data: { next: string; username: string; notice?: string; error?: string }) =>
    reply.view('portal/login', { title: 'Sign in to your account', ...data });

  app.get<{ Querystring: { next?: string; reason?: string } }>('/login', async (request, reply) => {
    if (request.session.accountId !== undefined) return reply.redirect('/account');
    const { next, reason } = request.query;
    return loginPage(reply, { next: portalNext(next), username: '', notice: SIGNIN_NOTICES[reason ?? ''] });
  });

  app.post<{ Body: SigninForm }>(
    '/login',
    { config: { rateLimit: formPostLimit(app.config) } },
    async (request, reply) => {
      const next = portalNext(request.body?.next);
      const { username, user } = await checkSigninForm(request, 'account');
      if (!user) {
        request.log.info({ username }, 'account sign-in refused');
        return loginPage(reply.code(401), { next, username, error: SIGNIN_REFUSED });
      }
      if (user.twoStepMethod !== null) return reply.redirect(beginSecondStep(request, user, 'account', next), 303);
      const now = await startSession(request, 'accountId', user.id);
      request.log.info({ accountId: user.id }, 'account signed in');
      return reply.redirect(passwordChangeReason(user, new Date(now)) ? PASSWORD_PAGE : next);
    },
  );

  app.post('/logout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/login?reason=signed-out');
  });

  await app.register(async (portal) => {
    portal.decorateRequest('account');
    portal.addHook('onRequest', requireAccount);

    portal.get('/account', async (request, reply) => {
      const user = request.account;
      return reply.view('portal/account', {
        title: 'Your account',
        portalAccount: portalAccount(user),
        // An administrator who signed in here still needs a way to the console they came for.
        administrator: activeAdministrator(app.db, user.id) !== undefined,
        banners: bannersFor(app.db, user.id),
        profile: {
          name: displayName(user),
          username: user.username,
          email: user.email,
          phone: user.phone,
          lastSignin: user.lastSigninAt,
          twoStep: user.twoStepMethod !== null,
        },
      });
    });

    const passwordPage = (request: FastifyRequest, reply: FastifyReply, errors: PasswordChangeErrors = {}) => {
      const reason = passwordChangeReason(request.account);
      return reply.view('portal/password', {
        title: 'Change your password',
        portalAccount: portalAccount(request.account),
        notice: reason ? CHANGE_REASONS[reason] : undefined,
        // While a change is required there is nowhere to go back to.
        canCancel: reason === null,
        errors,
        minLength: policy.minLength,
      });
    };

    portal.get(PASSWORD_PAGE, async (request, reply) => passwordPage(request, reply));

    portal.post<{ Body: Record<string, unknown> }>(
      PASSWORD_PAGE,
      // The current password can be guessed here by whoever holds the session: limit it like sign-in.
      { config: { rateLimit: formPostLimit(app.config) } },
      async (request, reply) => {
        const user = request.account;
        const input = readPasswordChangeInput(request.body);
        const errors = await validatePasswordChange(user, input, policy);
        if (Object.keys(errors).length > 0) return passwordPage(request, reply.code(422), errors);

        await changePassword(app.db, user, input.newPassword, { requestId: request.id });
        // Every other browser signed in as this user is signed out; this one carries on with a
        // fresh session id and its original sign-in time, so the absolute timeout still holds.
        const { createdAt } = request.session;
        endSessionsOf(app.db, user.id);
        await request.session.regenerate();
        request.session.accountId = user.id;
        request.session.createdAt = createdAt;
        request.session.lastSeenAt = Date.now();
        request.log.info({ accountId: user.id }, 'account password changed');
        reply.flash('success', 'Your password has been changed.');
        return reply.redirect('/account');
      },
    );
  });
}
