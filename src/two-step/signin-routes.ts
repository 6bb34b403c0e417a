import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAdministrator } from '../access/actor.js';
import { recordSignin, canSignIn } from '../auth/signin.js';
import { startSession } from '../auth/signin-form.js';
import type { User } from '../db/schema.js';
import { formPostLimit } from '../plugins/rate-limit.js';
import { findAccount, passwordChangeReason } from '../portal/account.js';
import { PASSWORD_PAGE } from '../portal/guard.js';
import { codeMailPossible } from './code-mail.js';
import { EMAIL_CODE_RESEND_MS, lastEmailCodeAt, recoveryCodesLeft } from './codes.js';
import { METHOD_WORDS } from './enrolment.js';
import { pendingFor, SECOND_STEP_PAGES, sendSigninCode, type SigninAudience } from './pending.js';
import { checkCode, codeThrottle, type Expected } from './second-step.js';
import { totpSealer } from './totp.js';

export const WRONG_CODE = 'That code is not correct, or it has expired or been used. Try again.';
export const CODES_PAUSED = 'Too many incorrect codes. Wait a while, then sign in again.';

const SIGNIN_PAGES: Record<SigninAudience, string> = { admin: '/signin', account: '/login' };
const SESSION_KEYS = { admin: 'userId', account: 'accountId' } as const;

type Body = Record<string, unknown> | undefined;
const field = (body: Body, name: string) => (typeof body?.[name] === 'string' ? (body[name] as string) : '');

/**
 * The second page of sign-in, in the console and in the portal: the code from the app or the
 * mail, or a recovery code. Only when it is accepted does the session get a new id and an owner.
 */
export default async function secondStepRoutes(app: FastifyInstance) {
  const sealer = totpSealer(app.config.sessionSecret);
  const throttle = codeThrottle(app.config);

  /** The account the pending sign-in is for, if it may still sign in here. */
  function pendingAccount(request: FastifyRequest, audience: SigninAudience): { user: User; next: string } | undefined {
    const pending = pendingFor(request, audience);
    const user = pending && findAccount(app.db, pending.userId);
    if (!pending || !user || user.twoStepMethod === null || !canSignIn(user, new Date())) return undefined;
    if (audience === 'admin' && !isAdministrator(user)) return undefined;
    return { user, next: pending.next };
  }

  function restart(request: FastifyRequest, reply: FastifyReply, audience: SigninAudience) {
    request.session.twoStep = undefined;
    return reply.redirect(`${SIGNIN_PAGES[audience]}?reason=code-expired`, 303);
  }

  function page(
    reply: FastifyReply,
    audience: SigninAudience,
    user: User,
    state: { error?: string; notice?: string } = {},
  ) {
    const method = user.twoStepMethod!;
    return reply.header('Cache-Control', 'no-store').view('two-step/signin-code', {
      title: 'Enter your verification code',
      action: SECOND_STEP_PAGES[audience],
      signinPage: SIGNIN_PAGES[audience],
      method,
      methodWords: METHOD_WORDS[method],
      email: user.email,
      mailPossible: codeMailPossible(app.db, user),
      ...state,
    });
  }

  for (const audience of ['admin', 'account'] as const) {
    const path = SECOND_STEP_PAGES[audience];

    app.get(path, async (request, reply) => {
      const found = pendingAccount(request, audience);
      if (!found) return restart(request, reply, audience);
      return page(reply, audience, found.user);
    });

    app.post<{ Body: Body }>(path, { config: { rateLimit: formPostLimit(app.config) } }, async (request, reply) => {
      const found = pendingAccount(request, audience);
      if (!found) return restart(request, reply, audience);
      const { user, next } = found;
      const now = new Date();
      const expected: Expected =
        user.twoStepMethod === 'totp' && user.totpSecretSealed
          ? { method: 'totp', secret: sealer.open(user.totpSecretSealed) as string }
          : { method: 'email' };
      const code = field(request.body, 'code').trim().slice(0, 64);
      if (code === '') return page(reply.code(422), audience, user, { error: 'Enter the code.' });
      const outcome = checkCode(
        app.db,
        throttle,
        { user, address: request.ip, requestId: request.id, now, recoveryAllowed: true },
        expected,
        code,
      );
      if (!outcome.ok) {
        request.log.info({ userId: user.id, paused: outcome.paused }, 'second step refused');
        return page(reply.code(outcome.paused ? 429 : 422), audience, user, {
          error: outcome.paused ? CODES_PAUSED : WRONG_CODE,
        });
      }

      await startSession(request, SESSION_KEYS[audience], user.id);
      const how = outcome.used === 'recovery' ? 'a recovery code' : METHOD_WORDS[user.twoStepMethod!];
      recordSignin(app.db, user, audience, { requestId: request.id, now, detail: `second step: ${how}` });
      request.log.info({ userId: user.id, audience }, 'signed in with a second step');
      if (outcome.used === 'recovery') {
        const left = recoveryCodesLeft(app.db, user.id);
        reply.flash(
          left > 2 ? 'info' : 'error',
          `You used a recovery code: ${left} ${left === 1 ? 'is' : 'are'} left. Make new ones from your two-step verification page when few are left.`,
        );
      }
      if (audience === 'account' && passwordChangeReason(user, now)) return reply.redirect(PASSWORD_PAGE, 303);
      return reply.redirect(next, 303);
    });

    /** Another code by mail, when the first did not arrive; at most one every half minute. */
    app.post(`${path}/resend`, { config: { rateLimit: formPostLimit(app.config) } }, async (request, reply) => {
      const found = pendingAccount(request, audience);
      if (!found) return restart(request, reply, audience);
      const { user } = found;
      if (user.twoStepMethod !== 'email') return reply.redirect(path, 303);
      const now = new Date();
      const last = lastEmailCodeAt(app.db, user.id, now);
      if (last && now.getTime() - last.getTime() < EMAIL_CODE_RESEND_MS) {
        return page(reply.code(429), audience, user, {
          notice: 'A code was sent less than a minute ago. Give it a moment to arrive, then ask again.',
        });
      }
      const sent = sendSigninCode(request, user, now);
      return page(
        reply.code(sent ? 200 : 503),
        audience,
        user,
        sent
          ? { notice: `A new code is on its way to ${user.email}. Earlier codes no longer work.` }
          : { error: 'Mail cannot be sent now. Use a recovery code.' },
      );
    });
  }
}
