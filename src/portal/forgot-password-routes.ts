import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formPostLimit } from '../plugins/rate-limit.js';
import { requestPasswordLink } from './forgot-password.js';

const FORGOT_PAGE = '/forgot-password';

/** Where "Back to sign in" leads: the console's page or the portal's, whichever the person came from. */
const signInPageOf = (from: unknown) => (from === 'console' ? '/signin' : '/login');

/** Work asked for by a request, done once its answer has gone (see below). */
const afterAnswer = new WeakMap<FastifyRequest, () => void>();
const inFlight = new Set<Promise<void>>();

/** Resolves once every link asked for so far has been issued or turned down (for tests and shutdown). */
export async function passwordLinkRequestsSettled(): Promise<void> {
  await Promise.all([...inFlight]);
}

/**
 * "Forgot password?" on both sign-in pages (M4). Anyone may ask, without a session (the form
 * carries the signed double-submit CSRF token, as sign-in does), and everyone gets the same
 * page: the account is looked up, and any link issued and queued, only after that page has been
 * sent, so neither its words nor its timing tell whether the account exists or has an address.
 */
export default async function forgotPasswordRoutes(app: FastifyInstance) {
  const formPage = (reply: FastifyReply, from: unknown, error?: string) =>
    reply.view('portal/forgot-password', {
      title: 'Forgot your password?',
      from: from === 'console' ? 'console' : '',
      back: signInPageOf(from),
      error,
    });

  app.get<{ Querystring: { from?: string } }>(FORGOT_PAGE, async (request, reply) =>
    formPage(reply, request.query.from),
  );

  app.post<{ Body: Record<string, unknown> }>(
    FORGOT_PAGE,
    {
      config: { rateLimit: formPostLimit(app.config) },
      onResponse: async (request) => afterAnswer.get(request)?.(),
    },
    async (request, reply) => {
      const login = typeof request.body?.login === 'string' ? request.body.login.trim().slice(0, 320) : '';
      const from = request.body?.from;
      if (login === '') return formPage(reply.code(422), from, 'Enter your username or email address.');
      let done!: () => void;
      const settled = new Promise<void>((resolve) => (done = resolve));
      inFlight.add(settled);
      afterAnswer.set(request, () => {
        try {
          const outcome = requestPasswordLink(app.db, app.mail.outbox, login, { requestId: request.id });
          // The outcome is for the log only: the person was answered before it was known.
          request.log.info({ outcome }, 'set-password link asked for');
        } catch (err) {
          request.log.error({ err }, 'set-password link request failed');
        } finally {
          inFlight.delete(settled);
          done();
        }
      });
      return reply.header('Cache-Control', 'no-store').view('portal/forgot-password-sent', {
        title: 'Check your mail',
        back: signInPageOf(from),
      });
    },
  );
}
