import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../db/schema.js';
import { formPostLimit } from '../plugins/rate-limit.js';
import { displayName } from '../users/derived-fields.js';
import { codeMailPossible, queueCodeMail } from './code-mail.js';
import { EMAIL_CODE_RESEND_MS, lastEmailCodeAt, RECOVERY_CODE_COUNT, recoveryCodesLeft } from './codes.js';
import { enrol, METHOD_WORDS, removeSecondStep, renewRecoveryCodes } from './enrolment.js';
import { mustEnrol, twoStepRequired } from './requirement.js';
import { checkCode, codeThrottle } from './second-step.js';
import { CODES_PAUSED, WRONG_CODE } from './signin-routes.js';
import { enrolmentPicture, groupedSecret, newTotpSecret, totpSealer } from './totp.js';

/** How long a new authenticator secret waits in the session for its first code. */
const APP_ENROLMENT_MS = 15 * 60_000;

/** Where an account manages its second step: the console for administrators, the portal for everyone. */
export interface Surface {
  where: 'console' | 'portal';
  /** The status page; every other page posts below it. */
  base: string;
  /** The page that links here, and its name. */
  back: { href: string; label: string };
  /** The signed-in account, as its guard read it for this request. */
  who(request: FastifyRequest): User;
  /** What the surface's layout needs besides the page's own data. */
  frame(request: FastifyRequest): object;
}

type Body = Record<string, unknown> | undefined;
const field = (body: Body, name: string) =>
  typeof body?.[name] === 'string' ? (body[name] as string).trim().slice(0, 64) : '';

/** Pages that show a secret or codes: never kept by a cache, never sent on as a referrer. */
const secretPage = (reply: FastifyReply) =>
  reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer');

/**
 * Setting up, changing and turning off one's own second step (M7): an authenticator app,
 * confirmed with a first code, or codes by mail, confirmed with a mailed code; then ten recovery
 * codes, shown once. The same pages serve the console and the portal.
 */
export function enrolmentRoutes(surface: Surface) {
  return async function routes(app: FastifyInstance) {
    const sealer = totpSealer(app.config.sessionSecret);
    const throttle = codeThrottle(app.config);
    const { base } = surface;

    const common = (request: FastifyRequest) => {
      const user = surface.who(request);
      const required = twoStepRequired(app.db, user, surface.where);
      return {
        ...surface.frame(request),
        base,
        back: surface.back,
        user: { email: user.email, method: user.twoStepMethod },
        required,
        mustEnrol: mustEnrol(app.db, user, surface.where),
        mailPossible: codeMailPossible(app.db, user),
      };
    };

    const statusPage = (request: FastifyRequest, reply: FastifyReply) => {
      const user = surface.who(request);
      return reply.view('two-step/status', {
        ...common(request),
        title: 'Two-step verification',
        methodWords: user.twoStepMethod ? METHOD_WORDS[user.twoStepMethod] : undefined,
        recoveryLeft: user.twoStepMethod ? recoveryCodesLeft(app.db, user.id) : 0,
        recoveryTotal: RECOVERY_CODE_COUNT,
      });
    };

    const appPage = async (request: FastifyRequest, reply: FastifyReply, secret: string, error?: string) => {
      const user = surface.who(request);
      const picture = await enrolmentPicture(secret, user.username);
      return secretPage(reply).view('two-step/app', {
        ...common(request),
        title: 'Set up an authenticator app',
        qrDataUrl: picture.qrDataUrl,
        secret: groupedSecret(secret),
        error,
      });
    };

    const emailPage = (request: FastifyRequest, reply: FastifyReply, state: { error?: string; notice?: string } = {}) =>
      reply.view('two-step/email', { ...common(request), title: 'Get codes by email', ...state });

    const codesPage = (request: FastifyRequest, reply: FastifyReply, codes: string[], fresh: boolean) =>
      secretPage(reply).view('two-step/recovery-codes', {
        ...common(request),
        title: 'Your recovery codes',
        codes,
        fresh,
        name: displayName(surface.who(request)),
      });

    /** The outcome of a confirming code, or the error to show with the form again. */
    function confirm(request: FastifyRequest<{ Body: Body }>, expected: Parameters<typeof checkCode>[3]) {
      const code = field(request.body, 'code');
      if (code === '') return { error: 'Enter the 6-digit code.' };
      const outcome = checkCode(
        app.db,
        throttle,
        {
          user: surface.who(request),
          address: request.ip,
          requestId: request.id,
          now: new Date(),
          recoveryAllowed: false,
        },
        expected,
        code,
      );
      if (outcome.ok) return {};
      return { error: outcome.paused ? CODES_PAUSED : WRONG_CODE, status: outcome.paused ? 429 : 422 };
    }

    app.get(base, async (request, reply) => statusPage(request, reply));

    /** A new secret for an app; it becomes the account's only when a code from the app confirms it. */
    app.post(`${base}/app`, async (request, reply) => {
      const secret = newTotpSecret();
      request.session.totpEnrolment = {
        sealed: sealer.seal(secret).toString('base64'),
        until: Date.now() + APP_ENROLMENT_MS,
      };
      return appPage(request, reply, secret);
    });

    app.post<{ Body: Body }>(
      `${base}/app/confirm`,
      { config: { rateLimit: formPostLimit(app.config) } },
      async (request, reply) => {
        const pending = request.session.totpEnrolment;
        if (!pending || pending.until < Date.now()) {
          reply.flash('error', 'Setting up the app took too long. Start again: scan the new QR code.');
          return reply.redirect(base, 303);
        }
        const sealed = Buffer.from(pending.sealed, 'base64');
        const secret = sealer.open(sealed) as string;
        const result = confirm(request, { method: 'totp', secret });
        if (result.error) return appPage(request, reply.code(result.status ?? 422), secret, result.error);
        request.session.totpEnrolment = undefined;
        const codes = enrol(app.db, surface.who(request), 'totp', sealed, { requestId: request.id });
        request.log.info({ userId: surface.who(request).id }, 'authenticator app enrolled');
        return codesPage(request, reply, codes, true);
      },
    );

    /** A code to the account's address; codes by mail become the method when it comes back. */
    app.post(`${base}/email`, { config: { rateLimit: formPostLimit(app.config) } }, async (request, reply) => {
      const user = surface.who(request);
      const now = new Date();
      const last = lastEmailCodeAt(app.db, user.id, now);
      if (last && now.getTime() - last.getTime() < EMAIL_CODE_RESEND_MS) {
        return emailPage(request, reply, {
          notice: 'A code was sent less than a minute ago. Give it a moment to arrive.',
        });
      }
      const queued = app.db.transaction((tx) => queueCodeMail(tx, app.mail.outbox, user, 'enrol', now), {
        behavior: 'immediate',
      });
      if (!queued) {
        reply.flash(
          'error',
          'Codes cannot be sent by email: mail is not set up, or your account has no email address.',
        );
        return reply.redirect(base, 303);
      }
      app.mail.sender.wake();
      return emailPage(request, reply, { notice: `A 6-digit code is on its way to ${user.email}.` });
    });

    app.post<{ Body: Body }>(
      `${base}/email/confirm`,
      { config: { rateLimit: formPostLimit(app.config) } },
      async (request, reply) => {
        const result = confirm(request, { method: 'email' });
        if (result.error) return emailPage(request, reply.code(result.status ?? 422), { error: result.error });
        const codes = enrol(app.db, surface.who(request), 'email', null, { requestId: request.id });
        request.log.info({ userId: surface.who(request).id }, 'codes by email enrolled');
        return codesPage(request, reply, codes, true);
      },
    );

    app.post(`${base}/recovery-codes`, async (request, reply) => {
      const user = surface.who(request);
      if (user.twoStepMethod === null) return reply.redirect(base, 303);
      return codesPage(request, reply, renewRecoveryCodes(app.db, user, { requestId: request.id }), false);
    });

    app.post(`${base}/off`, async (request, reply) => {
      const user = surface.who(request);
      if (twoStepRequired(app.db, user, surface.where)) {
        reply.flash('error', 'Two-step verification is required for your account, so it cannot be turned off.');
      } else if (user.twoStepMethod !== null) {
        removeSecondStep(app.db, user, { id: user.id, name: displayName(user) }, { requestId: request.id });
        reply.flash('success', 'Two-step verification is off. Signing in now takes only your password.');
      }
      return reply.redirect(base, 303);
    });
  };
}
